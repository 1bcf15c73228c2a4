import { LinkLevelTracker, type LinkLevel } from './linkQuality.js';
import { readTotals, sampleBetween, type StatsTotals } from './statsSample.js';
import { msg, type Message } from '../i18n/message.js';

/** What Hearth did about a weak link, so the member (and the facilitator) know. */
export type Adaptation = 'audioOnly' | 'lowData';

export interface QualityPorts {
  /** Both transports' stats reports, now. */
  read(): Promise<ReadonlyMap<string, unknown>[]>;
  /** Tells the server (for the facilitator panel): the level and what Hearth did. */
  report(level: LinkLevel, adapted: Adaptation | undefined): Promise<unknown>;
  /** Switches to less data; false when there was nothing to switch (already audio-only, say). */
  adapt(to: Adaptation): Promise<boolean>;
  /** A calm sentence for the member (shown and announced). */
  say(message: Message): void;
  /** The level or the adaptation changed (the view-model shows them). */
  changed(level: LinkLevel, adapted: Adaptation | undefined): void;
}

/** How many steady samples (2 s apart) before Hearth changes anything by itself. */
const ACT_AFTER = 3;
/**
 * After a cut, how many samples before Hearth acts again: the browser's send estimate collapses during a cut and
 * climbs back over some 10-20 s, and losses counted at the restore span the cut; neither is a thin link.
 */
const SETTLE_AFTER_CUT = 10;

const SAID: Record<Adaptation, Message> = { audioOnly: msg('quality.audioOnly'), lowData: msg('quality.lowData') };

/**
 * The member's connection quality, sampled from the transports' stats every 2 s: good / weak / poor, shown to the
 * member and reported to the facilitators, and acted on: a link weak for 6 s gets low-data video, a poor one
 * audio-only (each once; the member can undo it).
 */
export class QualityMonitor {
  level: LinkLevel | undefined;
  adapted: Adaptation | undefined;
  private readonly tracker = new LinkLevelTracker();
  private prev: StatsTotals | undefined;
  /** Samples since ICE last lost the server (the first spans the cut and counts its losses). */
  private sinceCut = Infinity;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly ports: QualityPorts) {}

  start(intervalMs = 2000): void {
    this.timer ??= setInterval(() => void this.tick().catch(() => undefined), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The member undid what Hearth did (turned video back on): do not do it again by itself. */
  undone(): void {
    this.adapted = undefined;
    this.stopped = true;
    this.ports.changed(this.level ?? 'good', undefined);
    void this.ports.report(this.level ?? 'good', undefined).catch(() => undefined);
  }

  private stopped = false;

  async tick(): Promise<void> {
    const totals = readTotals(await this.ports.read(), Date.now());
    const sample = sampleBetween(this.prev, totals);
    const changed = this.tracker.push(sample);
    this.prev = totals;
    const level = this.tracker.level!;
    if (changed) {
      this.level = level;
      this.ports.changed(level, this.adapted);
      await this.ports.report(level, this.adapted);
    }
    // A cut link is not a thin one: while ICE has lost the server, and until the link has been measured again
    // for as long as it takes to act, reconnection is what helps, not less video.
    this.sinceCut = sample.disconnected ? 0 : this.sinceCut + 1;
    if (this.stopped || this.sinceCut <= SETTLE_AFTER_CUT || this.tracker.streak < ACT_AFTER) return;
    const want: Adaptation | undefined = level === 'poor' ? 'audioOnly' : level === 'weak' && !this.adapted ? 'lowData' : undefined;
    if (!want || want === this.adapted) return;
    if (!(await this.ports.adapt(want))) return;
    this.adapted = want;
    this.ports.changed(level, want);
    this.ports.say(SAID[want]);
    await this.ports.report(level, want);
  }
}
