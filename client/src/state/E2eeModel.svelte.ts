import type { SignalingClient } from '../connection/SignalingClient.js';
import type { KeyManager } from '../e2ee/KeyManager.js';
import { messageFor } from './messages.js';

export interface ChatLine {
  id: number;
  from: string;
  text: string;
  self: boolean;
}

/** What the room shows about encryption, and the encrypted chat and private notes. */
export class E2eeModel {
  epoch = $state(0);
  safetyWords = $state<string[]>([]);
  unverified = $state<string[]>([]);
  /** Members with the link whom no facilitator admitted to the encrypted group. */
  outside = $state<string[]>([]);
  /** This page is in the circle but not in the encrypted group. */
  selfOutside = $state(false);
  alarm = $state<string | undefined>();
  /** Facilitators: members not yet on the current key. */
  pending = $state<string[]>([]);
  chat = $state<ChatLine[]>([]);
  /** Facilitators: private notes from members. */
  notes = $state<ChatLine[]>([]);
  error = $state<string | undefined>();
  /** The server sent something that does not fit the protocol (it was ignored). */
  violation = $state<string | undefined>();
  private next = 0;

  constructor(
    private readonly keys: KeyManager,
    signaling: SignalingClient,
  ) {
    keys.onChange = () => this.refresh();
    signaling.onViolation = (v) => {
      this.violation = `The server sent something this page does not accept (${v.what}); it was ignored. If this repeats, tell the facilitator.`;
    };
    keys.chat.onMessage = (m) => (m.note ? this.notes : this.chat).push({ id: this.next++, from: m.fromName, text: m.text, self: false });
  }

  async send(text: string): Promise<void> {
    try {
      await this.keys.chat.send(text);
      this.chat.push({ id: this.next++, from: 'You', text, self: true });
      this.error = undefined;
    } catch (error) {
      this.error = messageFor(error);
    }
  }

  /** Sends a note only the facilitators can read; true when at least one received it. */
  async sendNote(text: string): Promise<boolean> {
    try {
      const delivered = await this.keys.chat.sendNote(text);
      this.error = delivered > 0 ? undefined : 'No facilitator is in the session to receive it.';
      return delivered > 0;
    } catch (error) {
      this.error = messageFor(error);
      return false;
    }
  }

  private refresh(): void {
    this.epoch = this.keys.state.epoch;
    this.safetyWords = this.keys.state.safetyWords;
    this.unverified = this.keys.state.unverified;
    this.outside = this.keys.state.outside;
    this.selfOutside = this.keys.state.selfOutside;
    this.alarm = this.keys.state.alarm;
    this.pending = this.keys.pending();
  }
}
