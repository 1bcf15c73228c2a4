import type { SignalingClient } from '../connection/SignalingClient.js';
import type { KeyManager } from '../e2ee/KeyManager.js';
import { msg, type Message } from '../i18n/message.js';
import { errorMessage } from './messages.js';

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
  alarm = $state<Message | undefined>();
  /** Facilitators: members not yet on the current key. */
  pending = $state<string[]>([]);
  chat = $state<ChatLine[]>([]);
  /** Facilitators: private notes from members. */
  notes = $state<ChatLine[]>([]);
  error = $state<Message | undefined>();
  /** The server sent something that does not fit the protocol (it was ignored). */
  violation = $state<Message | undefined>();
  private next = 0;

  constructor(
    private readonly keys: KeyManager,
    signaling: SignalingClient,
  ) {
    keys.onChange = () => this.refresh();
    signaling.onViolation = (v) => {
      this.violation = msg('keys.violation', { what: v.what });
    };
    keys.chat.onMessage = (m) => (m.note ? this.notes : this.chat).push({ id: this.next++, from: m.fromName, text: m.text, self: false });
  }

  async send(text: string): Promise<void> {
    try {
      await this.keys.chat.send(text);
      // Our own lines carry no name: the view says "You" in the language of the moment.
      this.chat.push({ id: this.next++, from: '', text, self: true });
      this.error = undefined;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  /** Sends a note only the facilitators can read; true when at least one received it. */
  async sendNote(text: string): Promise<boolean> {
    try {
      const delivered = await this.keys.chat.sendNote(text);
      this.error = delivered > 0 ? undefined : msg('chat.noFacilitator');
      return delivered > 0;
    } catch (error) {
      this.error = errorMessage(error);
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
