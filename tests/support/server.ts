import net from 'node:net';
import { buildApp, type BuildOptions, type HearthApp } from '../../server/src/app/buildApp.js';
import { loadConfig } from '../../server/src/config/loadConfig.js';
import type { Config, ConfigOverrides } from '../../server/src/config/schema.js';
import { FakeMediaRooms } from './fakeMedia.js';

export interface TestServer {
  app: HearthApp;
  url: string;
  close(): Promise<void>;
}

function testConfig(overrides: ConfigOverrides): Readonly<Config> {
  return loadConfig(
    {
      http: { host: '127.0.0.1', port: 0 },
      rtc: { port: 0, listenIps: ['127.0.0.1'], enableTcp: true },
      mediasoup: { numWorkers: 1 },
      clientDir: '',
      logLevel: 'silent',
      // Every bot connects from 127.0.0.1: the per-address limits are tested on their own (fast/addressLimits.test.ts).
      limits: { connectionsPerAddress: 10_000, connectsPerAddressPerMinute: 100_000 },
    },
    overrides,
  );
}

async function listen(config: Readonly<Config>, opts: BuildOptions): Promise<TestServer> {
  const app = await buildApp(config, opts);
  const address = await app.fastify.listen({ host: config.http.host, port: config.http.port });
  return { app, url: address, close: () => app.fastify.close() };
}

/** A real Hearth server in this process: real mediasoup worker, loopback only, random ports. */
export function startServer(overrides: ConfigOverrides = {}, opts: BuildOptions = {}): Promise<TestServer> {
  return listen(testConfig(overrides), opts);
}

export interface FastServer extends TestServer {
  /** The in-memory media of every session it made (support/fakeMedia.ts). */
  media: FakeMediaRooms;
}

/** The same server with no mediasoup worker: every session's media is the in-memory fake port. Starts in ms. */
export async function startFastServer(overrides: ConfigOverrides = {}, opts: BuildOptions = {}): Promise<FastServer> {
  const config = testConfig(overrides);
  const media = new FakeMediaRooms({ maxPeers: config.sessions.maxPeers });
  return { ...(await listen(config, { ...opts, media: media.factory })), media };
}

/** Live mediasoup objects across every session (from each router's own dump). */
export async function mediaTotals(app: HearthApp): Promise<{
  sessions: number; transports: number; producers: number; consumers: number; pausedConsumers: number;
}> {
  // (paused producer ids are left out here; see pausedProducers())
  const sessions = app.sessions.list();
  const totals = { sessions: sessions.length, transports: 0, producers: 0, consumers: 0, pausedConsumers: 0 };
  for (const s of sessions) {
    const d = await s.room.media.dump();
    totals.transports += d.transports;
    totals.producers += d.producers;
    totals.consumers += d.consumers;
    totals.pausedConsumers += d.pausedConsumers;
  }
  return totals;
}

/** A free TCP port on loopback, asked of the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `check` returns true, or fails after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** Ids of the producers mediasoup holds paused, across all sessions. */
export async function pausedProducers(app: HearthApp): Promise<string[]> {
  const all = await Promise.all(app.sessions.list().map((s) => s.room.media.dump()));
  return all.flatMap((d) => d.pausedProducers);
}
