import type { PrivacyCheck } from '@hearth/shared';
import { PRIVACY_ITEMS, type AmbientFinding, type PrivacyItem } from '@hearth/shared/vocabulary';

/** The browser part of the ambient check, loaded only when it runs (client/src/media/ambient/listen.ts). */
type Listen = (track: MediaStreamTrack, opts: { seconds?: number; signal?: AbortSignal }) => Promise<{ finding: AmbientFinding }>;
const loadListener = (): Promise<Listen> => import('../media/ambient/listen.js').then((m) => m.listenAmbient as Listen);

/** How long the ambient check listens. */
export const AMBIENT_SECONDS = 4;

/**
 * The private-space check, asked before every join (and every rejoin: a new check each time the pre-join screen
 * opens): what the member confirms, and what a few seconds of listening on this device heard. Only the result
 * leaves the device (`PrivacyCheck`), never the audio.
 */
export class CheckModel {
  confirmed = $state<Record<PrivacyItem, boolean>>({ private: false, unheard: false, headphones: false, notDriving: false });
  ambient = $state<AmbientFinding>('listening');
  private run: AbortController | undefined;
  private done: Promise<AmbientFinding> = Promise.resolve('skipped');

  constructor(private readonly listen: () => Promise<Listen> = loadListener) {}

  /** Listens on a clone of the microphone (the member's own track is untouched); without one, says so. */
  start(track: MediaStreamTrack | undefined): void {
    this.run?.abort();
    if (!track) {
      this.ambient = 'unavailable';
      this.done = Promise.resolve('unavailable');
      return;
    }
    const run = new AbortController();
    this.run = run;
    this.ambient = 'listening';
    this.done = this.listen()
      .then((listen) => listen(track, { seconds: AMBIENT_SECONDS, signal: run.signal }))
      .then((r) => r.finding, (): AmbientFinding => (run.signal.aborted ? 'skipped' : 'unavailable'))
      .then((finding) => {
        if (this.run === run) this.ambient = finding;
        return finding;
      });
  }

  stop(): void {
    this.run?.abort();
  }

  get allConfirmed(): boolean {
    return PRIVACY_ITEMS.every((i) => this.confirmed[i]);
  }

  /** The check as it stands now (the ambient word may still be `listening`). */
  now(): PrivacyCheck {
    return { confirmed: PRIVACY_ITEMS.filter((i) => this.confirmed[i]), ambient: this.ambient };
  }

  /** The check once the ambient check has ended. */
  async final(): Promise<PrivacyCheck> {
    const ambient = await this.done;
    return { ...this.now(), ambient };
  }
}
