/**
 * Connection quality in three words a member understands, from the transports' WebRTC stats. Pure: a sample in, a
 * level out; the sampling (getStats every few seconds) and what Hearth does about it are QualityModel's.
 */
export type LinkLevel = 'good' | 'weak' | 'poor';

/** What one look at the stats found, over the interval since the previous look. */
export interface LinkSample {
  /** Round-trip time to the server (the ICE candidate pair in use), ms. */
  rttMs?: number;
  /** Audio packets lost on the way to us (inbound RTP), percent of those expected in the interval. */
  inLossPct?: number;
  /** The browser's estimate of what we can send, kbit/s. */
  outKbps?: number;
  /** Share of received audio that had to be concealed in the interval, percent. */
  concealedPct?: number;
  /** ICE has lost the server (the link is cut or failing). */
  disconnected?: boolean;
}

/**
 * Thresholds, with the reasoning: speech stays intelligible with Opus FEC up to ~10 % loss and ~400 ms RTT; past
 * ~20 % loss or 1 s RTT a conversation breaks down. Video needs ~150 kbit/s for the small layer.
 */
const POOR = { rttMs: 1000, lossPct: 15, outKbps: 60, concealedPct: 10 };
const WEAK = { rttMs: 400, lossPct: 4, outKbps: 250, concealedPct: 3 };

const over = (v: number | undefined, limit: number) => v !== undefined && v >= limit;
const under = (v: number | undefined, limit: number) => v !== undefined && v < limit;

export function classify(s: LinkSample): LinkLevel {
  const loss = s.inLossPct ?? 0;
  if (s.disconnected || over(s.rttMs, POOR.rttMs) || loss >= POOR.lossPct || under(s.outKbps, POOR.outKbps) || over(s.concealedPct, POOR.concealedPct)) {
    return 'poor';
  }
  if (over(s.rttMs, WEAK.rttMs) || loss >= WEAK.lossPct || under(s.outKbps, WEAK.outKbps) || over(s.concealedPct, WEAK.concealedPct)) {
    return 'weak';
  }
  return 'good';
}

/**
 * Steadies the level: it goes down after two samples in a row say so (one bad second is not a bad link) and up
 * after three (a link that just recovered often dips again). `streak` counts samples at the current level.
 */
export class LinkLevelTracker {
  level: LinkLevel | undefined;
  streak = 0;
  private candidate: LinkLevel | undefined;
  private candidateCount = 0;

  /** Returns true when the steady level changed. */
  push(sample: LinkSample): boolean {
    const seen = classify(sample);
    if (this.level === undefined) {
      this.level = seen;
      this.streak = 1;
      return true;
    }
    if (seen === this.level) {
      this.candidate = undefined;
      this.candidateCount = 0;
      this.streak++;
      return false;
    }
    this.candidateCount = seen === this.candidate ? this.candidateCount + 1 : 1;
    this.candidate = seen;
    const worse = rank(seen) > rank(this.level);
    if (this.candidateCount < (worse ? 2 : 3)) return false;
    this.level = seen;
    this.streak = this.candidateCount;
    this.candidate = undefined;
    this.candidateCount = 0;
    return true;
  }
}

const rank = (l: LinkLevel) => (l === 'good' ? 0 : l === 'weak' ? 1 : 2);
