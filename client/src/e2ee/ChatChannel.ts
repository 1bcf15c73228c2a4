import { fromB64, openChat, openNote, sealChat, sealNote, toB64 } from '@hearth/shared/crypto';
import { isModerator, type EventOf } from '@hearth/shared';
import type { SignalingClient } from '../connection/SignalingClient.js';
import type { KeyPolicy } from './KeyPolicy.js';

export interface ChatMessage {
  from: string;
  fromName: string;
  text: string;
  /** A private note to the facilitators (only they receive one). */
  note: boolean;
}

/**
 * Chat and private notes, in one place: sealing and opening with the current group's keys, sending, and receiving
 * from the signaling client. A message that does not open (older key, altered, reattributed, replayed) is not
 * shown: there is nothing true to show.
 */
export class ChatChannel {
  private counter = { epoch: 0, next: 0 };
  private readonly seen = new Map<string, number>();
  onMessage: (m: ChatMessage) => void = () => undefined;

  constructor(
    private readonly signaling: SignalingClient,
    private readonly keys: KeyPolicy,
  ) {
    signaling.on('chat.message', (m) => void this.receive(m));
    signaling.on('chat.note', (n) => this.receiveNote(n));
  }

  async send(text: string): Promise<void> {
    const key = this.keys.chatKey;
    if (!key) throw new Error('no group key yet');
    const epoch = this.keys.state.epoch;
    if (this.counter.epoch !== epoch) this.counter = { epoch, next: 0 };
    const { nonce, ciphertext } = await sealChat(key, { epoch, senderId: this.keys.selfId, counter: ++this.counter.next }, text);
    await this.signaling.request('chat.send', { epoch, nonce: toB64(nonce), ciphertext: toB64(ciphertext) });
  }

  /** A note sealed separately to each facilitator in the circle; how many received it. */
  async sendNote(text: string): Promise<number> {
    const { pair } = this.keys.identity;
    const notes = this.keys.roster.all()
      .filter((m) => m.id !== this.keys.selfId && isModerator(m.role) && m.bound)
      .map((m) => {
        const { nonce, box } = sealNote(text, { fromId: this.keys.selfId, toId: m.id }, m.bound!, pair.privateKey);
        return { to: m.id, nonce: toB64(nonce), box: toB64(box) };
      });
    if (notes.length === 0) return 0;
    return (await this.signaling.request('chat.note', { notes })).delivered;
  }

  /** The text of a chat message, if it opens under the current key as from its sender and is not a replay. */
  async open(m: EventOf<'chat.message'>): Promise<string | undefined> {
    const key = this.keys.chatKey;
    if (!key || m.epoch !== this.keys.state.epoch || !this.keys.roster.get(m.from)?.signed) return undefined;
    const opened = await openChat(key, { epoch: m.epoch, senderId: m.from }, fromB64(m.nonce), fromB64(m.ciphertext));
    const seen = `${m.epoch}|${m.from}`;
    if (!opened || opened.counter <= (this.seen.get(seen) ?? 0)) return undefined;
    this.seen.set(seen, opened.counter);
    return opened.text;
  }

  openNote(n: EventOf<'chat.note'>): string | undefined {
    const from = this.keys.roster.get(n.from)?.bound;
    if (!from) return undefined;
    return openNote(fromB64(n.box), fromB64(n.nonce), { fromId: n.from, toId: this.keys.selfId }, from, this.keys.identity.pair.privateKey);
  }

  private async receive(m: EventOf<'chat.message'>): Promise<void> {
    const text = await this.open(m);
    if (text !== undefined) this.onMessage({ from: m.from, fromName: this.nameOf(m.from), text, note: false });
  }

  private receiveNote(n: EventOf<'chat.note'>): void {
    const text = this.openNote(n);
    if (text !== undefined) this.onMessage({ from: n.from, fromName: this.nameOf(n.from), text, note: true });
  }

  private nameOf(id: string): string {
    return this.keys.roster.get(id)?.displayName ?? 'someone';
  }
}
