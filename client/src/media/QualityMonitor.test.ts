import { describe, expect, it } from 'vitest';
import { QualityMonitor, type Adaptation } from './QualityMonitor.js';

/** Stats as a transport would report them: a round trip and a send estimate (kbit/s). */
const stats = (rttMs: number, outKbps: number) => [new Map([['p', { type: 'candidate-pair', nominated: true, currentRoundTripTime: rttMs / 1000, availableOutgoingBitrate: outKbps * 1000 }]])];

function monitor(canAdapt = true) {
  let now = stats(30, 2000);
  const reports: [string, Adaptation | undefined][] = [];
  const said: string[] = [];
  const adapts: Adaptation[] = [];
  const m = new QualityMonitor({
    read: async () => now,
    report: async (level, adapted) => reports.push([level, adapted]),
    adapt: async (to) => (adapts.push(to), canAdapt),
    say: (t) => said.push(t.key),
    changed: () => undefined,
  });
  return { m, reports, said, adapts, set: (rtt: number, kbps: number) => (now = stats(rtt, kbps)) };
}

describe('what Hearth does about a weak link', () => {
  it('reports the level when it changes, switches a weak link to low data after 6 s, a poor one to audio-only, and says so', async () => {
    const t = monitor();
    await t.m.tick();
    expect(t.reports).toEqual([['good', undefined]]);
    t.set(120, 200); // a 300 kbit/s-like uplink
    for (let i = 0; i < 4; i++) await t.m.tick();
    expect(t.adapts).toEqual(['lowData']);
    expect(t.reports).toEqual([['good', undefined], ['weak', undefined], ['weak', 'lowData']]);
    t.set(600, 25); // 25 kbit/s
    for (let i = 0; i < 4; i++) await t.m.tick();
    expect(t.adapts).toEqual(['lowData', 'audioOnly']);
    expect(t.m.adapted).toBe('audioOnly');
    expect(t.said.at(-1)).toBe('quality.audioOnly');
    for (let i = 0; i < 4; i++) await t.m.tick();
    expect(t.adapts).toHaveLength(2); // once is enough
  });

  it('a cut link (ICE disconnected) is poor but changes nothing: reconnecting is what helps', async () => {
    const t = monitor();
    let cut = true;
    const m = new QualityMonitor({
      read: async () => [new Map([['t', { type: 'transport', iceState: cut ? 'disconnected' : 'connected' }]])],
      report: async () => undefined, adapt: async (to) => (t.adapts.push(to), true), say: () => undefined, changed: () => undefined,
    });
    for (let i = 0; i < 6; i++) await m.tick();
    expect(m.level).toBe('poor');
    expect(t.adapts).toEqual([]);
    // Just after the restore the level is still poor (it rises after three good samples): still nothing is cut.
    cut = false;
    for (let i = 0; i < 3; i++) await m.tick();
    expect(m.level).toBe('good');
    expect(t.adapts).toEqual([]);
    // Nor while the browser's send estimate climbs back after the cut (it reads like a thin link for a while).
    const poorAfterCut = monitor();
    let phase: 'cut' | 'thin' = 'cut';
    const m2 = new QualityMonitor({
      read: async () => (phase === 'cut' ? [new Map([['t', { type: 'transport', iceState: 'failed' }]])] : stats(40, 40)),
      report: async () => undefined, adapt: async (to) => (poorAfterCut.adapts.push(to), true), say: () => undefined, changed: () => undefined,
    });
    for (let i = 0; i < 5; i++) await m2.tick();
    phase = 'thin';
    for (let i = 0; i < 10; i++) await m2.tick();
    expect(poorAfterCut.adapts).toEqual([]);
    await m2.tick(); // 22 s after the restore it is a thin link after all
    expect(poorAfterCut.adapts).toEqual(['audioOnly']);
  });

  it('a member who undoes it is not switched again by Hearth; nothing to switch is not announced', async () => {
    const t = monitor();
    t.set(600, 25);
    for (let i = 0; i < 4; i++) await t.m.tick();
    expect(t.adapts).toEqual(['audioOnly']);
    t.m.undone();
    for (let i = 0; i < 4; i++) await t.m.tick();
    expect(t.adapts).toEqual(['audioOnly']);
    const already = monitor(false);
    already.set(600, 25);
    for (let i = 0; i < 4; i++) await already.m.tick();
    expect(already.said).toEqual([]);
    expect(already.m.adapted).toBeUndefined();
  });
});
