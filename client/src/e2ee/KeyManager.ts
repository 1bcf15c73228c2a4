import {
  bindPublicKey, deriveChatKey, fromB64, newKeyPair, openChat, openGroupKey, openNote, safetyWords, sealChat, sealGroupKey,
  sealNote, sodiumReady, toB64, verifyBinding, type KeyPair,
} from '@hearth/shared/crypto';
import { isModerator, type E2eeKey, type EventOf, type PeerInfo, type Role } from '@hearth/shared';
import type { SignalingClient } from '../connection/SignalingClient.js';
import type { TransformOptions, WorkerCommand } from './workerProtocol.js';

interface Member {
  id: string;
  displayName: string;
  role: Role;
  wire: E2eeKey;
  /** Set only when the key's binding to the session secret verifies. */
  publicKey: Uint8Array | undefined;
}

export interface KeyState {
  epoch: number;
  safetyWords: string[];
  /** Members whose key does not verify: they get no group key, and their keys are never trusted. */
  unverified: string[];
  /** Something an attacker did that we caught (an altered envelope, a key from the wrong member). */
  alarm: string | undefined;
}

/** Whether this browser can encrypt frames (RTCRtpScriptTransform). There is no unencrypted fallback. */
export const canEncrypt = (): boolean => typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform === 'function';

/**
 * The main-thread half of end-to-end encryption (see docs/e2ee.md): our key pair and its binding, the members'
 * verified keys, who the key leader is, making and handing out group keys (as leader), accepting them (as
 * member), and the frame worker's keys.
 */
export class KeyManager {
  readonly worker: Worker;
  readonly wire: E2eeKey;
  private members: Member[] = [];
  private selfId = '';
  private groupKey: Uint8Array | undefined;
  private chatKey: CryptoKey | undefined;
  state: KeyState = { epoch: 0, safetyWords: [], unverified: [], alarm: undefined };
  /** Facilitators: the epoch each member last said it uses. */
  readonly acked = new Map<string, number>();
  onChange: () => void = () => undefined;

  private constructor(
    private readonly signaling: SignalingClient,
    private readonly sessionId: string,
    private readonly secret: string,
    private readonly pair: KeyPair,
  ) {
    this.wire = { publicKey: toB64(pair.publicKey), binding: toB64(bindPublicKey(secret, sessionId, pair.publicKey)) };
    this.worker = new Worker(new URL('./frameWorker.ts', import.meta.url), { type: 'module' });
    signaling.on('e2ee.key', (e) => this.onEnvelope(e));
    signaling.on('e2ee.acked', ({ peerId, epoch }) => {
      this.acked.set(peerId, Math.max(epoch, this.acked.get(peerId) ?? 0));
      this.onChange();
    });
  }

  static async create(signaling: SignalingClient, sessionId: string, secret: string): Promise<KeyManager> {
    await sodiumReady();
    return new KeyManager(signaling, sessionId, secret, newKeyPair());
  }

  transform(options: TransformOptions): RTCRtpScriptTransform {
    return new RTCRtpScriptTransform(this.worker, options);
  }

  /** Entering the circle: who is there (in join order), and the newest key epoch the server has relayed. */
  enter(selfId: string, role: Role, displayName: string, peers: PeerInfo[], keyEpoch: number): void {
    this.selfId = selfId;
    this.post({ type: 'self', selfId });
    this.state.epoch = keyEpoch;
    this.members = [{ id: selfId, displayName, role, wire: this.wire, publicKey: this.pair.publicKey }];
    for (const p of peers) this.add(p);
    void this.rekeyIfLeader();
  }

  joined(p: PeerInfo): void {
    this.add(p);
    void this.rekeyIfLeader();
  }

  left(peerId: string): void {
    this.members = this.members.filter((m) => m.id !== peerId);
    this.acked.delete(peerId);
    void this.rekeyIfLeader();
  }

  /** The key leader: the first facilitator to arrive, or else the member here longest. Only verified keys count. */
  leader(): string | undefined {
    const trusted = this.members.filter((m) => m.publicKey);
    return (trusted.find((m) => isModerator(m.role)) ?? trusted[0])?.id;
  }

  /** Facilitators: members not yet on our current key. */
  pending(): string[] {
    return this.members.filter((m) => m.id !== this.selfId && (this.acked.get(m.id) ?? 0) < this.state.epoch).map((m) => m.displayName);
  }

  async sendChat(text: string): Promise<void> {
    if (!this.chatKey) throw new Error('no group key yet');
    const { nonce, ciphertext } = await sealChat(this.chatKey, text);
    await this.signaling.request('chat.send', { epoch: this.state.epoch, nonce: toB64(nonce), ciphertext: toB64(ciphertext) });
  }

  async openChat(m: EventOf<'chat.message'>): Promise<string | undefined> {
    if (!this.chatKey || m.epoch !== this.state.epoch) return undefined;
    return openChat(this.chatKey, fromB64(m.nonce), fromB64(m.ciphertext));
  }

  /** A private note sealed separately to each facilitator in the circle. */
  async sendNote(text: string): Promise<number> {
    const notes = this.members
      .filter((m) => m.id !== this.selfId && isModerator(m.role) && m.publicKey)
      .map((m) => {
        const { nonce, box } = sealNote(text, m.publicKey!, this.pair.privateKey);
        return { to: m.id, nonce: toB64(nonce), box: toB64(box) };
      });
    if (notes.length === 0) return 0;
    return (await this.signaling.request('chat.note', { notes })).delivered;
  }

  openNote(n: EventOf<'chat.note'>): string | undefined {
    const from = this.members.find((m) => m.id === n.from)?.publicKey;
    return from ? openNote(fromB64(n.box), fromB64(n.nonce), from, this.pair.privateKey) : undefined;
  }

  nameOf(id: string): string {
    return this.members.find((m) => m.id === id)?.displayName ?? 'someone';
  }

  close(): void {
    this.worker.terminate();
  }

  private add(p: PeerInfo): void {
    if (this.members.some((m) => m.id === p.id)) return;
    let publicKey: Uint8Array | undefined;
    try {
      const pk = fromB64(p.e2eeKey.publicKey);
      if (verifyBinding(this.secret, this.sessionId, pk, fromB64(p.e2eeKey.binding))) publicKey = pk;
    } catch {
      publicKey = undefined;
    }
    this.members.push({ id: p.id, displayName: p.displayName, role: p.role, wire: p.e2eeKey, publicKey });
    this.state.unverified = this.members.filter((m) => !m.publicKey).map((m) => m.displayName);
    this.onChange();
  }

  /** As leader, on every change of membership: a fresh group key for exactly the members now present. */
  private async rekeyIfLeader(): Promise<void> {
    if (!this.selfId || this.leader() !== this.selfId) return;
    const epoch = this.state.epoch + 1;
    const groupKey = crypto.getRandomValues(new Uint8Array(32));
    const envelopes = this.members
      .filter((m) => m.id !== this.selfId && m.publicKey)
      .map((m) => {
        const { nonce, box } = sealGroupKey({ epoch, recipientId: m.id, leaderId: this.selfId, groupKey }, m.publicKey!, this.pair.privateKey);
        return { to: m.id, nonce: toB64(nonce), box: toB64(box) };
      });
    await this.install(epoch, groupKey);
    if (envelopes.length > 0) await this.signaling.request('e2ee.distribute', { epoch, envelopes }).catch(() => undefined);
  }

  private async onEnvelope(e: EventOf<'e2ee.key'>): Promise<void> {
    const leader = this.members.find((m) => m.id === this.leader());
    if (!leader || leader.id !== e.from || !leader.publicKey) {
      this.alarm('A key arrived from someone who is not the key leader. It was refused.');
      return;
    }
    let opened: { epoch: number; groupKey: Uint8Array };
    try {
      opened = openGroupKey(fromB64(e.box), fromB64(e.nonce), leader.publicKey, this.pair.privateKey, { recipientId: this.selfId, leaderId: leader.id });
    } catch {
      this.alarm('A key envelope was altered on its way here. It was refused: tell the facilitator.');
      return;
    }
    // Never go back to an older key: a replayed envelope must not let a removed member listen again.
    if (opened.epoch !== e.epoch || opened.epoch <= this.state.epoch) return;
    await this.install(opened.epoch, opened.groupKey);
    await this.signaling.request('e2ee.ack', { epoch: opened.epoch }).catch(() => undefined);
  }

  private async install(epoch: number, groupKey: Uint8Array): Promise<void> {
    this.post({ type: 'key', epoch, groupKey });
    this.groupKey = groupKey;
    this.chatKey = await deriveChatKey(groupKey, epoch);
    this.state.epoch = epoch;
    this.state.safetyWords = await safetyWords(groupKey, epoch, this.members.map((m) => ({ id: m.id, publicKey: m.wire.publicKey })));
    this.acked.set(this.selfId, epoch);
    this.onChange();
  }

  private alarm(text: string): void {
    this.state.alarm = text;
    this.onChange();
  }

  private post(cmd: WorkerCommand): void {
    this.worker.postMessage(cmd);
  }
}
