// The load generator (issue 13): N sessions x M members against a real Hearth server in this process (real
// mediasoup worker, loopback only), each member a signaling bot (support/load/signaling.ts) and a media bot
// (support/load/rtp.ts) whose RTP the session's own router forwards to every other member; and the same streams
// through a bare mediasoup router on a worker of its own, no Hearth at all, in the same run. Bounded in count
// (sessions, members, requests) and time (the window, and the caller's step cap).
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { MEDIA_CODECS } from '../../../server/src/media/codecs.js';
import { sleep, startServer, type TestServer } from '../server.js';
import { attach, MediaMember } from './rtp.js';
import { chatter, Latencies, openLoadSession, type LoadSession } from './signaling.js';

export interface LoadOptions {
  sessions: number;
  members: number;
  /** The measured window, after everyone is in and sending. */
  windowMs: number;
  /** One signaling request per member this often during the window. */
  requestEveryMs?: number;
}

export interface LoadResult {
  /** Request -> ack, ms, of every request in the window (sorted). */
  latencies: number[];
  failedRequests: number;
  /** Consumers forwarding RTP (each member's audio and video to every other member). */
  streams: number;
  packetsSent: number;
  packetsReceived: number;
  /** 1 - received / expected, over the window (expected: each packet sent, once per other member). */
  loss: number;
  /** Cores used over the window: the mediasoup worker(s), and this Node process (server and bots alike). */
  workerCores: number;
  nodeCores: number;
}

/** CPU seconds (user + system) of a process so far, from /proc/<pid>/stat (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** `p`, or a failure once `ms` pass: no step of the load waits forever. */
function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: over ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The mediasoup router of a Hearth session (a test reaching into the in-process server; no message leads here). */
function routerOf(server: TestServer, sessionId: string): types.Router {
  const s = server.app.sessions.get(sessionId);
  if (!s) throw new Error('no such session');
  return (s.room.media as unknown as { router: types.Router }).router;
}

/** Measures `members` over `windowMs` while `during` runs: packets, loss and CPU of the given worker pids. */
async function measure(members: MediaMember[][], workerPids: number[], windowMs: number, during: (until: number) => Promise<void>) {
  await sleep(1000); // consumers settle
  const snap = () => ({
    sent: members.map((g) => g.map((m) => m.sent)), recv: members.flat().reduce((a, m) => a + m.received, 0),
    worker: workerPids.reduce((a, p) => a + cpuSeconds(p), 0), node: cpuSeconds(process.pid), t: performance.now(),
  });
  const a = snap();
  await during(a.t + windowMs);
  const b = snap();
  const secs = (b.t - a.t) / 1000;
  let expected = 0;
  let sent = 0;
  for (const [g, group] of members.entries()) {
    const d = group.map((_, i) => b.sent[g]![i]! - a.sent[g]![i]!);
    const total = d.reduce((x, y) => x + y, 0);
    sent += total;
    expected += total * (group.length - 1);
  }
  const received = b.recv - a.recv;
  return {
    packetsSent: sent, packetsReceived: received, loss: expected ? Math.max(0, 1 - received / expected) : 0,
    workerCores: (b.worker - a.worker) / secs, nodeCores: (b.node - a.node) / secs,
  };
}

/** Hearth: signaling bots in N sessions of M, and their RTP through each session's own router. */
export async function hearthLoad(opts: LoadOptions): Promise<LoadResult> {
  // Every bot comes from 127.0.0.1: lift the per-address socket limits, as for a clinic behind one NAT.
  const server = await startServer({
    mediasoup: { numWorkers: 1 }, limits: { connectionsPerAddress: 10_000, connectsPerAddressPerMinute: 100_000 },
  });
  const lat = new Latencies();
  const sessions: LoadSession[] = [];
  const media: MediaMember[][] = [];
  try {
    let streams = 0;
    const setup = async () => {
      for (let s = 0; s < opts.sessions; s++) {
        const session = await openLoadSession(server, opts.members, new Latencies());
        sessions.push(session);
        const group = await Promise.all(session.members.map((_, i) => MediaMember.open(1000 * (s + 1) + 10 * i)));
        media.push(group);
        streams += await attach(routerOf(server, session.circle.session.sessionId), group);
      }
    };
    await withDeadline(setup(), 30_000 + 10_000 * opts.sessions, 'load setup');
    const pids = server.app.workers.workers().map((w) => w.pid);
    const m = await measure(media, pids, opts.windowMs, (until) => chatter(sessions, lat, opts.requestEveryMs ?? 1000, until));
    return { ...m, latencies: lat.ms.sort((a, b) => a - b), failedRequests: lat.failed, streams };
  } finally {
    for (const m of media.flat()) m.close();
    for (const s of sessions) s.circle.close();
    await server.close();
  }
}

/** Bare mediasoup: the same N x M streams through one router per session on a worker of its own, nothing else. */
export async function bareLoad(opts: LoadOptions): Promise<LoadResult> {
  const worker = await mediasoup.createWorker({ logLevel: 'error' });
  const media: MediaMember[][] = [];
  try {
    let streams = 0;
    for (let s = 0; s < opts.sessions; s++) {
      const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
      const group = await Promise.all(Array.from({ length: opts.members }, (_, i) => MediaMember.open(1000 * (s + 1) + 10 * i)));
      media.push(group);
      streams += await attach(router, group);
    }
    const m = await measure(media, [worker.pid], opts.windowMs, (until) => sleep(Math.max(0, until - performance.now())));
    return { ...m, latencies: [], failedRequests: 0, streams };
  } finally {
    for (const m of media.flat()) m.close();
    worker.close();
  }
}
