import { describe, expect, it } from 'vitest';
import { bareLoad, hearthLoad } from '../support/load/generator.js';

// The load generator at a tiny size (1 session x 3 members, 3 s): what `BENCH_ONLY=load` steps up. Outcomes only:
// every member's audio and video reach every other member through the session's router, and the signaling the
// members kept making during the window was answered and timed. Figures belong to the bench, not here.

describe('load generator', () => {
  it('forwards every stream of a small session to the others and records signaling latencies', async () => {
    const r = await hearthLoad({ sessions: 1, members: 3, windowMs: 3000, requestEveryMs: 500 });
    expect(r.streams).toBe(3 * 2 * 2); // 3 members, each receiving 2 others' audio and video
    expect(r.packetsSent).toBeGreaterThan(50);
    expect(r.packetsReceived).toBeGreaterThan(r.packetsSent); // each packet forwarded to 2 members
    expect(r.loss).toBeLessThan(0.5);
    expect(r.latencies.length).toBeGreaterThanOrEqual(3);
    expect(r.failedRequests).toBeLessThan(r.latencies.length);
    expect(r.workerCores).toBeGreaterThan(0);
  }, 60_000);

  it('forwards the same streams through a bare mediasoup router', async () => {
    const r = await bareLoad({ sessions: 1, members: 3, windowMs: 2000 });
    expect(r.streams).toBe(12);
    expect(r.packetsReceived).toBeGreaterThan(r.packetsSent);
  }, 60_000);
});
