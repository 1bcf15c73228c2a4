import type { LinkSample } from './linkQuality.js';

/** The few counters a sample needs, read from both transports' stats at one moment. */
export interface StatsTotals {
  at: number;
  rttMs?: number;
  outKbps?: number;
  disconnected: boolean;
  /** Packets of every kind received (a stall is when none arrive). */
  anyReceived: number;
  /** Audio packets received and lost. */
  packetsReceived: number;
  packetsLost: number;
  samplesReceived: number;
  samplesConcealed: number;
}

type Stat = Record<string, unknown> & { type: string };
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Reads what a sample needs from RTCStatsReports (send and receive transports). */
export function readTotals(reports: Iterable<ReadonlyMap<string, unknown>>, at: number): StatsTotals {
  const t: StatsTotals = { at, disconnected: false, anyReceived: 0, packetsReceived: 0, packetsLost: 0, samplesReceived: 0, samplesConcealed: 0 };
  for (const report of reports) {
    // A connection that sends audio alone (audio only, camera off) never probes for more: its estimate follows what
    // it sends (≈ 58 kbit/s for 9 kbit/s Opus, measured) and says nothing about the link. Only video senders count.
    const sent = [...report.values()].filter((s) => (s as Stat).type === 'outbound-rtp') as Stat[];
    const estimates = sent.length === 0 || sent.some((s) => s.kind === 'video');
    for (const raw of report.values()) {
      const s = raw as Stat;
      if (s.type === 'candidate-pair' && s.nominated === true) {
        const rtt = num(s.currentRoundTripTime);
        if (rtt !== undefined) t.rttMs = Math.max(t.rttMs ?? 0, rtt * 1000);
        const out = estimates ? num(s.availableOutgoingBitrate) : undefined;
        if (out !== undefined) t.outKbps = Math.min(t.outKbps ?? Infinity, out / 1000);
      } else if (s.type === 'transport' && (s.iceState === 'disconnected' || s.iceState === 'failed')) {
        t.disconnected = true;
      } else if (s.type === 'inbound-rtp') {
        t.anyReceived += num(s.packetsReceived) ?? 0;
        // Loss is judged on speech: video loss from the SFU's bandwidth probing is repaired by retransmission and
        // answered by a lower layer; lost audio is what a member hears.
        if (s.kind !== 'audio') continue;
        t.packetsReceived += num(s.packetsReceived) ?? 0;
        t.packetsLost += Math.max(0, num(s.packetsLost) ?? 0);
        t.samplesReceived += num(s.totalSamplesReceived) ?? 0;
        t.samplesConcealed += (num(s.concealedSamples) ?? 0) - (num(s.silentConcealedSamples) ?? 0);
      }
      // Not remote-inbound-rtp's fractionLost: mediasoup reports its worst listener's loss there (so a speaker's
      // encoder can add FEC for them), which says nothing of this member's own link.
    }
  }
  return t;
}

/** A sample over the interval between two readings (loss and concealment as shares of that interval). */
export function sampleBetween(prev: StatsTotals | undefined, now: StatsTotals): LinkSample {
  const sample: LinkSample = { disconnected: now.disconnected };
  if (now.rttMs !== undefined) sample.rttMs = now.rttMs;
  if (now.outKbps !== undefined) sample.outKbps = now.outKbps;
  if (!prev) return sample;
  const received = now.packetsReceived - prev.packetsReceived;
  // Nothing at all arrived in the interval although media was flowing before: a stall (a cut ICE has not noticed
  // yet), not a thin link.
  if (now.anyReceived === prev.anyReceived && prev.anyReceived > 0) sample.disconnected = true;
  const lost = now.packetsLost - prev.packetsLost;
  if (received + lost > 20) sample.inLossPct = (100 * Math.max(0, lost)) / (received + lost);
  const samples = now.samplesReceived - prev.samplesReceived;
  if (samples > 0) sample.concealedPct = (100 * Math.max(0, now.samplesConcealed - prev.samplesConcealed)) / samples;
  return sample;
}
