/**
 * Whom an audio-only member hears on the open floor: the moderators always, and the last few members mediasoup's
 * ActiveSpeakerObserver named dominant speaker. Everyone else's microphone is paused for that member at the server
 * (on a thin link, every forwarded stream costs, even in DTX silence). Pure: fed dominant-speaker events and the
 * set of members with a microphone, it answers; MediaRoom pauses and resumes the consumers.
 */
export class SpeakerSelection {
  /** Members in the order they were last dominant, newest first (moderators included: filtered when asked). */
  private recent: string[] = [];

  constructor(
    /** How many members besides the moderators an audio-only member hears. */
    readonly keep = 3,
  ) {}

  /** mediasoup named `peerId` the dominant speaker. True if the order changed. */
  dominant(peerId: string): boolean {
    if (this.recent[0] === peerId) return false;
    this.recent = [peerId, ...this.recent.filter((p) => p !== peerId)];
    return true;
  }

  /** The member left the circle. */
  forget(peerId: string): void {
    this.recent = this.recent.filter((p) => p !== peerId);
  }

  /**
   * Whose microphones an audio-only member receives, given who has one (`speakers`) and who is always heard:
   * 'all' while there are no more members than `keep` to choose among (nothing to save, and nobody's first words
   * are cut while the observer decides), else the moderators and the `keep` most recent dominant speakers.
   */
  heard(speakers: Iterable<string>, always: ReadonlySet<string>): 'all' | ReadonlySet<string> {
    const others = [...speakers].filter((p) => !always.has(p));
    if (others.length <= this.keep) return 'all';
    const chosen = this.recent.filter((p) => !always.has(p) && others.includes(p)).slice(0, this.keep);
    return new Set([...always, ...chosen]);
  }
}
