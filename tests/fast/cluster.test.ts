import { createClient } from '@redis/client';
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@hearth/shared';
import { buildApp } from '../../server/src/app/buildApp.js';
import { loadConfig } from '../../server/src/config/loadConfig.js';
import { configFromEnv } from '../../server/src/config/env.js';
import { ENTRY_TTL_S } from '../../server/src/cluster/RedisDirectory.js';
import { createSession } from '../support/circle.js';
import { hasRedis, startRedis, type TestRedis } from '../support/redis.js';
import { eventually, sleep, startFastServer, type FastServer } from '../support/server.js';

// The scale-out directory against a real redis-server from Debian (started here, loopback, in memory only): two
// nodes in this process on the in-memory media port. Liveness by an expiring key; a session whose node is gone is
// marked ended (410); a graceful stop removes the node's keys; an unusable Redis at start is a ConfigError.

let redis: TestRedis;
let raw: ReturnType<typeof createClient>;
const nodes: FastServer[] = [];
const cluster = (nodeId: string, livenessSeconds = 10) => ({ cluster: { redisUrl: redis.url, nodeId, livenessSeconds } });
const node = async (nodeId: string, livenessSeconds?: number) => {
  const s = await startFastServer(cluster(nodeId, livenessSeconds));
  nodes.push(s);
  return s;
};
const where = async (s: FastServer, id: string) => {
  const res = await fetch(`${s.url}/api/sessions/${id}/where`);
  return { status: res.status, body: (await res.json()) as unknown };
};

describe.skipIf(!hasRedis())('cluster directory (Redis)', () => {
  beforeAll(async () => {
    redis = await startRedis();
    raw = createClient({ url: redis.url });
    raw.on('error', () => undefined); // while the test stops Redis on purpose
    await raw.connect();
  });
  afterAll(async () => {
    await raw?.close();
    await redis?.stop();
  });
  afterEach(async () => {
    for (const s of nodes.splice(0)) await s.close();
    await raw.flushAll();
  });

  it('a session made on one node is found from the other, at that node\'s socket path, which serves socket.io', async () => {
    const a = await node('node-a');
    const b = await node('node-b');
    const s = await createSession(a);
    expect(await where(b, s.sessionId)).toEqual({ status: 200, body: { ok: true, socketPath: '/n/node-a/socket.io' } });
    expect(await where(a, s.sessionId)).toEqual({ status: 200, body: { ok: true, socketPath: '/n/node-a/socket.io' } });
    expect(await where(b, 'B'.repeat(22))).toEqual({ status: 404, body: { ok: false, code: 'SESSION_NOT_FOUND' } });
    // Only ids in the directory: nothing of the title.
    expect(await raw.get(`hearth:session:${s.sessionId}`)).not.toContain('Test group');
    const connects = async (url: string, path: string) => {
      const sock = io(url, { path, auth: { protocolVersion: PROTOCOL_VERSION }, transports: ['websocket'], reconnection: false, timeout: 2_000 });
      const ok = await new Promise<boolean>((r) => { sock.on('connect', () => r(true)); sock.on('connect_error', () => r(false)); });
      sock.close();
      return ok;
    };
    expect(await connects(a.url, '/n/node-a/socket.io')).toBe(true);
    expect(await connects(a.url, '/socket.io')).toBe(false);
    expect(await connects(b.url, '/n/node-a/socket.io')).toBe(false);
  });

  it('when a node\'s liveness key expires, its session is marked ended: 410 SESSION_LOST, and it stays so', async () => {
    const b = await node('node-b');
    const id = 'C'.repeat(22);
    // A node that died: its liveness key (this run's id) with a short TTL, never refreshed again.
    await raw.set('hearth:node:node-x', 'run-1', { EX: 2 });
    await raw.set(`hearth:session:${id}`, JSON.stringify({ node: 'node-x', run: 'run-1' }), { EX: ENTRY_TTL_S });
    expect(await where(b, id)).toEqual({ status: 200, body: { ok: true, socketPath: '/n/node-x/socket.io' } });
    await eventually(async () => (await raw.exists('hearth:node:node-x')) === 0, 5_000, 'the liveness key expired');
    expect(await where(b, id)).toEqual({ status: 410, body: { ok: false, code: 'SESSION_LOST' } });
    expect(JSON.parse((await raw.get(`hearth:session:${id}`))!)).toEqual({ node: 'node-x', ended: true });
    expect(await raw.ttl(`hearth:session:${id}`)).toBeGreaterThan(0);
    // The node came back under the same id (a new run): the old run's sessions are still over.
    await raw.set('hearth:node:node-x', 'run-2', { EX: 10 });
    expect((await where(b, id)).status).toBe(410);
  });

  it('a live node keeps its liveness key and its sessions\' entries refreshed: routable past the TTL', async () => {
    const a = await node('node-a', 2);
    const s = await createSession(a);
    await raw.del(`hearth:session:${s.sessionId}`); // as after a Redis restart: its node writes its entries again
    await sleep(3_000);
    expect(await raw.ttl('hearth:node:node-a')).toBeGreaterThan(0);
    expect(await raw.ttl(`hearth:session:${s.sessionId}`)).toBeGreaterThan(ENTRY_TTL_S - 10);
    expect((await where(a, s.sessionId)).status).toBe(200);
  });

  it('a session that ends normally leaves the directory; a graceful stop removes the node\'s keys', async () => {
    const a = await node('node-a');
    const b = await node('node-b');
    const s1 = await createSession(a);
    const s2 = await createSession(a);
    await a.app.sessions.end(a.app.sessions.get(s1.sessionId)!);
    await eventually(async () => (await raw.exists(`hearth:session:${s1.sessionId}`)) === 0, 2_000, 'the ended session removed');
    expect(await where(b, s1.sessionId)).toMatchObject({ status: 404 });
    expect(await raw.exists(['hearth:node:node-a', `hearth:session:${s2.sessionId}`])).toBe(2);
    await nodes.shift()!.close();
    expect(await raw.exists(['hearth:node:node-a', `hearth:session:${s2.sessionId}`])).toBe(0);
    expect(await where(b, s2.sessionId)).toMatchObject({ status: 404, body: { code: 'SESSION_NOT_FOUND' } });
    expect(await raw.exists('hearth:node:node-b')).toBe(1);
  });

  it('while Redis is away, where answers 503 at once (the page asks again); when it is back, the node refills it', async () => {
    const a = await node('node-a', 2);
    const s = await createSession(a);
    await redis.stop();
    const started = Date.now();
    expect(await where(a, s.sessionId)).toEqual({ status: 503, body: { ok: false, code: 'INTERNAL' } });
    expect(Date.now() - started).toBeLessThan(2_000);
    redis = await startRedis(redis.port);
    await eventually(async () => (await where(a, s.sessionId)).status === 200, 8_000, 'the directory refilled');
  });

  it('an unusable Redis at start is a clear ConfigError (no retry loop), and the URL\'s password is not in it', async () => {
    const closed = redis.port === 1 ? 2 : 1; // nothing listens on port 1 or 2 of loopback here
    const config = loadConfig(
      { http: { host: '127.0.0.1', port: 0 }, rtc: { port: 0, listenIps: ['127.0.0.1'], enableTcp: true }, clientDir: '', logLevel: 'silent' },
      { cluster: { redisUrl: `redis://user:hunter2-secret@127.0.0.1:${closed}`, nodeId: 'node-a' } },
    );
    const started = Date.now();
    const err = await buildApp(config, { media: async () => { throw new Error('no media in this test'); } }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('ConfigError');
    expect((err as Error).message).toMatch(/cannot use Redis at redis:\/\/127\.0\.0\.1:\d+/);
    expect((err as Error).message).not.toContain('hunter2');
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(() => loadConfig(configFromEnv({ HEARTH_REDIS_URL: 'localhost:6379', HEARTH_NODE_ID: 'a' }))).toThrow(/cluster\/redisUrl/);
    expect(() => loadConfig(configFromEnv({ HEARTH_REDIS_URL: redis.url, HEARTH_NODE_ID: 'Node A' }))).toThrow(/cluster\/nodeId/);
    expect(() => loadConfig(configFromEnv({ HEARTH_REDIS_URL: redis.url }))).toThrow(/cluster\/nodeId/);
  });
});
