import { describe, expect, it } from 'vitest';
import { LinkLevelTracker, classify, type LinkSample } from './linkQuality.js';
import { readTotals, sampleBetween } from './statsSample.js';

describe('connection quality in three words', () => {
  it.each<[string, LinkSample, string]>([
    ['an open link', { rttMs: 20, inLossPct: 0, outKbps: 2500, concealedPct: 0 }, 'good'],
    ['nothing measured yet', {}, 'good'],
    ['3G-like: 300 ms round trips, a little loss', { rttMs: 300, inLossPct: 1, outKbps: 700 }, 'good'],
    ['a thin uplink (300 kbit/s)', { rttMs: 120, outKbps: 200 }, 'weak'],
    ['5 % loss on the way down', { rttMs: 80, inLossPct: 5 }, 'weak'],
    ['half a second of round trip', { rttMs: 520 }, 'weak'],
    ['10 % loss and 250 ms each way, 25 kbit/s', { rttMs: 560, inLossPct: 10, outKbps: 25 }, 'poor'],
    ['a link ICE has lost', { disconnected: true }, 'poor'],
    ['audio mostly concealed', { rttMs: 100, concealedPct: 25 }, 'poor'],
  ])('%s is %s', (_what, sample, level) => {
    expect(classify(sample)).toBe(level);
  });
});

describe('a steady level', () => {
  const good: LinkSample = { rttMs: 30 };
  const poor: LinkSample = { rttMs: 1500 };

  it('one bad sample does not change it; two in a row do; coming back up takes three', () => {
    const t = new LinkLevelTracker();
    expect(t.push(good)).toBe(true);
    expect(t.level).toBe('good');
    expect(t.push(poor)).toBe(false);
    expect(t.push(good)).toBe(false);
    expect(t.push(poor)).toBe(false);
    expect(t.push(poor)).toBe(true);
    expect(t.level).toBe('poor');
    expect([t.push(good), t.push(good)]).toEqual([false, false]);
    expect(t.push(good)).toBe(true);
    expect(t.level).toBe('good');
  });

  it('counts how long the level has held', () => {
    const t = new LinkLevelTracker();
    t.push(poor);
    t.push(poor);
    t.push(poor);
    expect(t.streak).toBe(3);
  });
});

describe('a sample from two readings of the stats', () => {
  const report = (stats: Record<string, unknown>[]) => new Map(stats.map((s, i) => [`s${i}`, s]));
  const reading = (received: number, lost: number, samples: number, concealed: number, at: number) => readTotals([
    report([
      { type: 'candidate-pair', nominated: true, currentRoundTripTime: 0.31, availableOutgoingBitrate: 180_000 },
      { type: 'candidate-pair', nominated: false, currentRoundTripTime: 9 },
      // A listener's bad link, which mediasoup reports to us as a speaker: not our loss.
      { type: 'remote-inbound-rtp', fractionLost: 0.3 },
      { type: 'inbound-rtp', kind: 'video', packetsReceived: received * 10, packetsLost: lost * 30 },
    ]),
    report([
      { type: 'transport', iceState: 'connected' },
      { type: 'inbound-rtp', kind: 'audio', packetsReceived: received, packetsLost: lost, totalSamplesReceived: samples, concealedSamples: concealed, silentConcealedSamples: 0 },
    ]),
  ], at);

  it('reads round trip and send estimate from the pair in use, and loss and concealment over the interval', () => {
    const a = reading(1000, 10, 480_000, 1000, 0);
    const b = reading(1090, 20, 576_000, 5_800, 2000);
    const s = sampleBetween(a, b);
    expect(s.rttMs).toBeCloseTo(310);
    expect(s.outKbps).toBe(180);
    expect(s.inLossPct).toBeCloseTo(10);
    expect(s.concealedPct).toBeCloseTo(5);
    expect(classify(s)).toBe('weak');
    expect(sampleBetween(undefined, b).inLossPct).toBeUndefined();
  });

  it('a speaker on a clean link stays good while a listener loses 30 % (mediasoup reports that to the speaker)', () => {
    const speaker = (audio: number) => readTotals([new Map<string, unknown>([
      ['p', { type: 'candidate-pair', nominated: true, currentRoundTripTime: 0.02, availableOutgoingBitrate: 2_000_000 }],
      ['o', { type: 'outbound-rtp', kind: 'video' }],
      ['r', { type: 'remote-inbound-rtp', kind: 'audio', fractionLost: 0.3 }],
      ['i', { type: 'inbound-rtp', kind: 'audio', packetsReceived: audio, packetsLost: 0, totalSamplesReceived: audio * 960, concealedSamples: 0 }],
    ])], 0);
    expect(classify(sampleBetween(speaker(100), speaker(200)))).toBe('good');
  });

  it('an interval in which nothing arrived, after media was flowing, is a stall (a cut), not a thin link', () => {
    const a = reading(1000, 10, 480_000, 0, 0);
    expect(sampleBetween(a, reading(1000, 10, 480_000, 0, 2000)).disconnected).toBe(true);
    expect(sampleBetween(a, reading(1001, 10, 480_000, 0, 2000)).disconnected).toBe(false);
  });

  it('the send estimate of a connection that sends audio alone is not the link’s: it follows the audio bitrate', () => {
    const pair = { type: 'candidate-pair', nominated: true, currentRoundTripTime: 0.01, availableOutgoingBitrate: 58_000 };
    const audioOnly = readTotals([report([pair, { type: 'outbound-rtp', kind: 'audio' }])], 0);
    expect(audioOnly.outKbps).toBeUndefined();
    expect(classify(sampleBetween(undefined, audioOnly))).toBe('good');
    const withVideo = readTotals([report([pair, { type: 'outbound-rtp', kind: 'audio' }, { type: 'outbound-rtp', kind: 'video' }])], 0);
    expect(withVideo.outKbps).toBe(58);
  });

  it('a transport whose ICE is disconnected makes the sample poor', () => {
    const t = readTotals([new Map([['t', { type: 'transport', iceState: 'disconnected' }]])], 0);
    expect(classify(sampleBetween(undefined, t))).toBe('poor');
  });
});
