import {
  ackTag, deriveChatKey, fromB64, openChat, openGroupKey, openNote, safetyWords, sealChat, sealGroupKey, sealNote,
  signCertificate, signRevocation, sodiumReady, toB64,
} from '@hearth/shared/crypto';
import { isModerator, type EventOf, type LinkFragment, type PeerInfo, type RoomSnapshot } from '@hearth/shared';
import type { SignalingClient } from '../connection/SignalingClient.js';
import { GroupRoster } from './GroupRoster.js';
import { loadIdentity, type Identity } from './identity.js';
import type { TransformOptions, WorkerCommand } from './workerProtocol.js';

export interface KeyState {
  epoch: number;
  safetyWords: string[];
  /** Names of members whose key is not bound to this session's link. */
  unverified: string[];
  /** Names of members with the link whom no facilitator admitted to the encrypted group (or who were removed). */
  outside: string[];
  /** This browser is in the circle but not (yet) in the encrypted group. */
  selfOutside: boolean;
  /** Something an attacker did that we caught, or a key that could not be handed out. */
  alarm: string | undefined;
}

/** Whether this browser can encrypt frames (RTCRtpScriptTransform). There is no unencrypted fallback. */
export const canEncrypt = (): boolean => typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform === 'function';

const KEEP_EPOCHS = 4;
const RETRIES = 3;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The main-thread half of end-to-end encryption (docs/e2ee.md). Every membership event and envelope is handled
 * in arrival order on one queue; the key leader's rekeys run one at a time and coalesce a burst of changes into
 * one new epoch, which the server accepts only as current + 1 from the leader.
 */
export class KeyManager {
  readonly worker: Worker;
  readonly roster: GroupRoster;
  state: KeyState = { epoch: 0, safetyWords: [], unverified: [], outside: [], selfOutside: true, alarm: undefined };
  /** Moderators: the epoch each member proved it holds (acknowledgement tags that verify). */
  readonly acked = new Map<string, number>();
  onChange: () => void = () => undefined;
  private readonly keys = new Map<number, Uint8Array>();
  private chatKey: CryptoKey | undefined;
  private chatCounter = 0;
  private readonly chatSeen = new Map<string, number>();
  /** As leader: the words key, and the members it was made for (a new one when they change). */
  private words: { sealedTo: string; key: Uint8Array } | undefined;
  private queue: Promise<void> = Promise.resolve();
  private dirty = false;
  private rekeying: Promise<void> | undefined;
  private entered = false;

  private constructor(
    private readonly signaling: SignalingClient,
    readonly identity: Identity,
    secret: string,
    makeWorker: () => Worker,
  ) {
    this.roster = new GroupRoster(identity.sessionId, secret, identity.signing.publicKey);
    this.worker = makeWorker();
    this.post({ type: 'self', selfId: identity.memberId });
    signaling.on('e2ee.key', (e) => this.serially(() => this.onEnvelope(e)));
    signaling.on('e2ee.acked', (a) => this.serially(() => this.onAcked(a)));
  }

  static async create(
    signaling: SignalingClient, sessionId: string, link: LinkFragment, deviceId: string,
    makeWorker: () => Worker = () => new Worker(new URL('./frameWorker.ts', import.meta.url), { type: 'module' }),
  ): Promise<KeyManager> {
    await sodiumReady();
    return new KeyManager(signaling, loadIdentity(sessionId, deviceId, link), link.secret, makeWorker);
  }

  get selfId(): string {
    return this.identity.memberId;
  }

  transform(options: TransformOptions): RTCRtpScriptTransform {
    return new RTCRtpScriptTransform(this.worker, options);
  }

  /** Entering the circle: who is there (with arrival numbers), our own entry, the newest epoch, revocations. */
  enter(room: RoomSnapshot): Promise<void> {
    return this.serially(() => {
      for (const r of room.revocations) this.roster.revoke(r.peerId, r.publicKey, r.revocation);
      this.state.epoch = Math.max(this.state.epoch, room.keyEpoch);
      this.roster.set(room.self);
      for (const p of room.peers) this.roster.set(p);
      this.entered = true;
      this.changed();
    });
  }

  joined(p: PeerInfo): Promise<void> {
    return this.serially(() => {
      this.roster.set(p);
      this.changed();
    });
  }

  /** Someone left (or was removed, with the remover's signed revocation). An unknown id changes nothing. */
  left(e: EventOf<'peer.left'>): Promise<void> {
    return this.serially(() => {
      const m = this.roster.delete(e.peerId);
      if (!m) return;
      if (e.revocation) this.roster.revoke(m.id, m.publicKey, e.revocation);
      this.acked.delete(m.id);
      this.changed();
    });
  }

  /**
   * A removal this browser made: the member is out of our group at once, with their key revoked, whatever the
   * server later says (or does not say) about them.
   */
  removedHere(peerId: string, revocation: string | undefined): Promise<void> {
    return this.left(revocation ? { peerId, revocation } : { peerId });
  }

  /** Moderators: the certificate that admits a waiting member's key to the encrypted group. */
  certificateFor(memberId: string, publicKey: string): string | undefined {
    const sk = this.identity.signing.secretKey;
    if (!sk) return undefined;
    return toB64(signCertificate(sk, { sessionId: this.identity.sessionId, memberId, role: 'member', publicKey: fromB64(publicKey) }));
  }

  /** Moderators: the signed revocation of a member's key, sent with their removal. */
  revocationFor(memberId: string): string | undefined {
    const sk = this.identity.signing.secretKey;
    const m = this.roster.get(memberId);
    if (!sk || !m) return undefined;
    return toB64(signRevocation(sk, { sessionId: this.identity.sessionId, memberId, publicKey: fromB64(m.publicKey) }));
  }

  /** Moderators: members in the encrypted group who have not proved they hold the current key. */
  pending(): string[] {
    return this.roster.signed().filter((m) => m.id !== this.selfId && (this.acked.get(m.id) ?? 0) < this.state.epoch).map((m) => m.displayName);
  }

  async sendChat(text: string): Promise<void> {
    if (!this.chatKey) throw new Error('no group key yet');
    const epoch = this.state.epoch;
    const { nonce, ciphertext } = await sealChat(this.chatKey, { epoch, senderId: this.selfId, counter: ++this.chatCounter }, text);
    await this.signaling.request('chat.send', { epoch, nonce: toB64(nonce), ciphertext: toB64(ciphertext) });
  }

  /** A chat message's text, if it opens under the current key as from its sender and is not a replay. */
  async openChat(m: EventOf<'chat.message'>): Promise<string | undefined> {
    const key = this.chatKey;
    if (!key || m.epoch !== this.state.epoch || !this.roster.get(m.from)?.signed) return undefined;
    const opened = await openChat(key, { epoch: m.epoch, senderId: m.from }, fromB64(m.nonce), fromB64(m.ciphertext));
    const seen = `${m.epoch}|${m.from}`;
    if (!opened || opened.counter <= (this.chatSeen.get(seen) ?? 0)) return undefined;
    this.chatSeen.set(seen, opened.counter);
    return opened.text;
  }

  /** A private note sealed separately to each facilitator in the circle. */
  async sendNote(text: string): Promise<number> {
    const notes = this.roster.all()
      .filter((m) => m.id !== this.selfId && isModerator(m.role) && m.bound)
      .map((m) => {
        const { nonce, box } = sealNote(text, { fromId: this.selfId, toId: m.id }, m.bound!, this.identity.pair.privateKey);
        return { to: m.id, nonce: toB64(nonce), box: toB64(box) };
      });
    if (notes.length === 0) return 0;
    return (await this.signaling.request('chat.note', { notes })).delivered;
  }

  openNote(n: EventOf<'chat.note'>): string | undefined {
    const from = this.roster.get(n.from)?.bound;
    return from ? openNote(fromB64(n.box), fromB64(n.nonce), { fromId: n.from, toId: this.selfId }, from, this.identity.pair.privateKey) : undefined;
  }

  nameOf(id: string): string {
    return this.roster.get(id)?.displayName ?? 'someone';
  }

  close(): void {
    this.worker.terminate();
  }

  /** Runs membership and key events strictly in arrival order. */
  private serially(task: () => void | Promise<void>): Promise<void> {
    const next = this.queue.then(task).catch((error: unknown) => this.alarm(`Encryption error: ${String(error)}`));
    this.queue = next;
    return next;
  }

  /** After any change of membership: refresh what the page shows and, as leader, rekey. */
  private changed(): void {
    this.refresh();
    if (this.entered && this.roster.leader() === this.selfId) {
      this.dirty = true;
      this.startRekeying();
    }
  }

  /** One loop at a time; a change that lands after the loop's last look (but before it ended) starts the next. */
  private startRekeying(): void {
    this.rekeying ??= this.rekeyLoop().finally(() => {
      this.rekeying = undefined;
      if (this.dirty && this.roster.leader() === this.selfId) this.startRekeying();
    });
  }

  /**
   * One rekey at a time; changes that arrive meanwhile set `dirty` and are covered by the next epoch. The epoch
   * is fixed before any await, and the key is used only once the server accepted it as current + 1.
   */
  private async rekeyLoop(): Promise<void> {
    let failures = 0;
    await this.queue; // let a burst already queued land first: one epoch covers it
    while (this.dirty && this.roster.leader() === this.selfId) {
      this.dirty = false;
      const epoch = this.state.epoch + 1;
      const groupKey = crypto.getRandomValues(new Uint8Array(32));
      const recipients = this.roster.signed().filter((m) => m.id !== this.selfId);
      const wordsKey = this.wordsKeyFor(recipients.map((m) => `${m.id}:${m.publicKey}`).join('|'));
      const envelopes = recipients.map((m) => {
        const { nonce, box } = sealGroupKey({ epoch, recipientId: m.id, leaderId: this.selfId, groupKey, wordsKey }, m.bound!, this.identity.pair.privateKey);
        return { to: m.id, nonce: toB64(nonce), box: toB64(box) };
      });
      try {
        await this.signaling.request('e2ee.distribute', { epoch, envelopes });
        failures = 0;
        await this.serially(() => this.install(epoch, groupKey, wordsKey));
      } catch (error) {
        if (++failures >= RETRIES) {
          this.dirty = false; // given up on this change; the next one tries again
          this.alarm(`A new key could not be handed out (${(error as { code?: string }).code ?? 'no answer'}). Members may not hear each other: try removing and re-admitting, or rejoin.`);
          return;
        }
        this.dirty = true;
        await sleep(250 * failures);
      }
    }
  }

  private async onEnvelope(e: EventOf<'e2ee.key'>): Promise<void> {
    const leaderId = this.roster.leader();
    const leader = leaderId === undefined ? undefined : this.roster.get(leaderId);
    if (!leader || leader.id !== e.from || !leader.bound) {
      this.alarm('A key arrived from someone who is not the key leader. It was refused.');
      return;
    }
    let opened: { epoch: number; groupKey: Uint8Array; wordsKey: Uint8Array };
    try {
      opened = openGroupKey(fromB64(e.box), fromB64(e.nonce), leader.bound, this.identity.pair.privateKey, { recipientId: this.selfId, leaderId: leader.id });
    } catch {
      this.alarm('A key envelope was altered on its way here. It was refused: tell the facilitator.');
      return;
    }
    // Never go back to an older key: a replayed envelope must not let a removed member listen again.
    if (opened.epoch !== e.epoch || opened.epoch <= this.state.epoch) return;
    await this.install(opened.epoch, opened.groupKey, opened.wordsKey);
    const tag = toB64(await ackTag(opened.groupKey, opened.epoch, this.selfId));
    await this.signaling.request('e2ee.ack', { epoch: opened.epoch, tag }).catch(() => undefined);
  }

  private async onAcked(a: EventOf<'e2ee.acked'>): Promise<void> {
    const key = this.keys.get(a.epoch);
    if (!key || a.tag !== toB64(await ackTag(key, a.epoch, a.peerId))) return; // not proved: not counted
    this.acked.set(a.peerId, Math.max(a.epoch, this.acked.get(a.peerId) ?? 0));
    this.refresh();
  }

  private async install(epoch: number, groupKey: Uint8Array, wordsKey: Uint8Array): Promise<void> {
    this.post({ type: 'key', epoch, groupKey });
    this.keys.set(epoch, groupKey);
    for (const e of this.keys.keys()) if (e <= epoch - KEEP_EPOCHS) this.keys.delete(e);
    this.chatKey = await deriveChatKey(groupKey, epoch);
    this.chatCounter = 0;
    this.state.epoch = epoch;
    this.acked.set(this.selfId, epoch);
    const members = this.roster.signed().map((m) => ({ id: m.id, role: m.role, publicKey: m.publicKey }));
    this.state.safetyWords = await safetyWords(wordsKey, members);
    this.refresh();
  }

  /** The same words key while we seal to the same members, so their words do not change (docs/e2ee.md). */
  private wordsKeyFor(sealedTo: string): Uint8Array {
    if (this.words?.sealedTo !== sealedTo) this.words = { sealedTo, key: crypto.getRandomValues(new Uint8Array(32)) };
    return this.words.key;
  }

  private refresh(): void {
    this.state.unverified = this.roster.unlinked().map((m) => m.displayName);
    this.state.outside = this.roster.outside().filter((m) => m.id !== this.selfId).map((m) => m.displayName);
    this.state.selfOutside = !this.roster.get(this.selfId)?.signed;
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
