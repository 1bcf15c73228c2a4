import {
  ackTag, deriveChatKey, fromB64, openGroupKey, safetyWords, sealGroupKey, signCertificate, signRevocation, toB64,
} from '@hearth/shared/crypto';
import type { EventOf, PeerInfo, RoomSnapshot } from '@hearth/shared';
import { GroupRoster } from './GroupRoster.js';
import type { Identity } from './identity.js';
import { msg, type Message } from '../i18n/message.js';

export interface KeyState {
  epoch: number;
  safetyWords: string[];
  /** Names of members whose key is not bound to this session's link. */
  unverified: string[];
  /** Names of members with the link whom no facilitator admitted to the encrypted group (or who were removed). */
  outside: string[];
  /** This browser is in the circle but not (yet) in the encrypted group. */
  selfOutside: boolean;
  /** Something an attacker did that we caught, or a key that could not be handed out (by key: the view words it). */
  alarm: Message | undefined;
}

/** What the policy asks its adapter to do. */
export type KeyEffect =
  | { type: 'install'; epoch: number; groupKey: Uint8Array }
  | { type: 'ack'; epoch: number; tag: string }
  /** This browser leads and membership changed: make and hand out a new key (the adapter runs one at a time). */
  | { type: 'rekey' };

/** A new key, sealed to exactly the signed members present when it was made. */
export interface Rekey {
  epoch: number;
  groupKey: Uint8Array;
  wordsKey: Uint8Array;
  envelopes: { to: string; nonce: string; box: string }[];
}

const KEEP_EPOCHS = 4;

/**
 * End-to-end key policy as a plain object: membership and envelopes in; keys to install, acknowledgements,
 * rekey requests and alarms out. No signaling, no worker, no timers (see KeyManager for the adapter), so every
 * rule is unit-tested without a browser: who leads, whom a key is sealed to, what is refused.
 */
export class KeyPolicy {
  readonly roster: GroupRoster;
  readonly state: KeyState = { epoch: 0, safetyWords: [], unverified: [], outside: [], selfOutside: true, alarm: undefined };
  /** Moderators: the epoch each member proved it holds (acknowledgement tags that verify). */
  readonly acked = new Map<string, number>();
  /** The current epoch's chat key (see ChatChannel). */
  chatKey: CryptoKey | undefined;
  private readonly keys = new Map<number, Uint8Array>();
  /** As leader: the words key, and the members it was made for (a new one when they change). */
  private words: { sealedTo: string; key: Uint8Array } | undefined;
  private entered = false;
  /** The epoch when each away member's link dropped: if keys moved on meanwhile, their return needs a rekey. */
  private readonly awayAt = new Map<string, number>();

  constructor(
    readonly identity: Identity,
    secret: string,
  ) {
    this.roster = new GroupRoster(identity.sessionId, secret, identity.signing.publicKey);
  }

  get selfId(): string {
    return this.identity.memberId;
  }

  isLeader(): boolean {
    return this.entered && this.roster.leader() === this.selfId;
  }

  /** Entering the circle: who is there (with arrival numbers), our own entry, the newest epoch, revocations. */
  enter(room: RoomSnapshot): KeyEffect[] {
    for (const r of room.revocations) this.roster.revoke(r.peerId, r.publicKey, r.revocation);
    this.state.epoch = Math.max(this.state.epoch, room.keyEpoch);
    this.roster.set(room.self);
    for (const p of room.peers) this.roster.set(p);
    this.entered = true;
    return this.changed();
  }

  joined(p: PeerInfo): KeyEffect[] {
    this.roster.set(p);
    return this.changed();
  }

  /** Someone left (or was removed, with the remover's signed revocation). An unknown id changes nothing. */
  left(e: EventOf<'peer.left'>): KeyEffect[] {
    const m = this.roster.delete(e.peerId);
    if (!m) return [];
    if (e.revocation) this.roster.revoke(m.id, m.publicKey, e.revocation);
    this.acked.delete(m.id);
    return this.changed();
  }

  /**
   * A member's link dropped or came back. Nobody left the group, so nothing is rekeyed when they go (the leader,
   * if it was them, passes to the next present member without a new key); when they return, the leader rekeys
   * only if a key was handed out while they were away (they could not receive it).
   */
  presence(id: string, away: boolean): KeyEffect[] {
    if (!this.roster.get(id)) return [];
    if (away) {
      if (this.roster.setAway(id, true)) this.awayAt.set(id, this.state.epoch);
      return [];
    }
    this.roster.setAway(id, false);
    const wentAt = this.awayAt.get(id);
    this.awayAt.delete(id);
    this.refresh();
    // Back before anyone saw them go (unknown): a key sent to their dead connection may have been lost.
    const missed = wentAt === undefined || wentAt < this.state.epoch;
    return missed && this.isLeader() ? [{ type: 'rekey' }] : [];
  }

  /**
   * Back in the circle after our own link dropped: who is there now and the newest epoch. As leader, a rekey if the
   * group's keys moved on past ours (or anyone's membership changed while we were gone).
   */
  resumed(room: RoomSnapshot): KeyEffect[] {
    const held = this.state.epoch;
    const present = new Set([room.self.id, ...room.peers.map((p) => p.id)]);
    const gone = this.roster.all().filter((m) => !present.has(m.id));
    for (const m of gone) this.roster.delete(m.id);
    const before = new Set(this.roster.all().map((m) => m.id));
    for (const r of room.revocations) this.roster.revoke(r.peerId, r.publicKey, r.revocation);
    for (const p of room.peers) this.roster.set(p);
    const joined = room.peers.some((p) => !before.has(p.id));
    this.state.epoch = Math.max(this.state.epoch, room.keyEpoch);
    this.refresh();
    return this.isLeader() && (room.keyEpoch > held || gone.length > 0 || joined) ? [{ type: 'rekey' }] : [];
  }

  /** As leader: a new key for exactly the signed members present now (undefined if we no longer lead). */
  prepareRekey(): Rekey | undefined {
    if (!this.isLeader()) return undefined;
    const epoch = this.state.epoch + 1;
    const groupKey = crypto.getRandomValues(new Uint8Array(32));
    const recipients = this.roster.signed().filter((m) => m.id !== this.selfId);
    const sealedTo = recipients.map((m) => `${m.id}:${m.publicKey}`).join('|');
    if (this.words?.sealedTo !== sealedTo) this.words = { sealedTo, key: crypto.getRandomValues(new Uint8Array(32)) };
    const wordsKey = this.words.key;
    const envelopes = recipients.map((m) => {
      const { nonce, box } = sealGroupKey({ epoch, recipientId: m.id, leaderId: this.selfId, groupKey, wordsKey }, m.bound!, this.identity.pair.privateKey);
      return { to: m.id, nonce: toB64(nonce), box: toB64(box) };
    });
    return { epoch, groupKey, wordsKey, envelopes };
  }

  /** The server took our new key: use it. */
  async accepted(r: Rekey): Promise<KeyEffect[]> {
    return this.install(r.epoch, r.groupKey, r.wordsKey);
  }

  /**
   * Envelopes that arrived before we knew the circle (the leader's rekey for our arrival can overtake the answer
   * that seats us): kept, and opened once we have entered.
   */
  private early: EventOf<'e2ee.key'>[] = [];

  /** The envelopes held back until we entered (each one once). */
  takeEarly(): EventOf<'e2ee.key'>[] {
    const held = this.early;
    this.early = [];
    return held;
  }

  /** A sealed key from the server: opened only if from our leader, for us, and newer than ours. */
  async envelope(e: EventOf<'e2ee.key'>): Promise<KeyEffect[]> {
    if (!this.entered) {
      if (this.early.length < 8) this.early.push(e);
      return [];
    }
    const leaderId = this.roster.leader();
    const leader = leaderId === undefined ? undefined : this.roster.get(leaderId);
    if (!leader || leader.id !== e.from || !leader.bound) return this.alarm(msg('keys.notLeader'));
    let opened: ReturnType<typeof openGroupKey>;
    try {
      opened = openGroupKey(fromB64(e.box), fromB64(e.nonce), leader.bound, this.identity.pair.privateKey, { recipientId: this.selfId, leaderId: leader.id });
    } catch {
      return this.alarm(msg('keys.altered'));
    }
    // Never go back to an older key: a replayed envelope must not let a removed member listen again.
    if (opened.epoch !== e.epoch || opened.epoch <= this.state.epoch) return [];
    const effects = await this.install(opened.epoch, opened.groupKey, opened.wordsKey);
    return [...effects, { type: 'ack', epoch: opened.epoch, tag: toB64(await ackTag(opened.groupKey, opened.epoch, this.selfId)) }];
  }

  /** Moderators: a member says it holds a key; counted only if its tag proves it. */
  async acknowledged(a: EventOf<'e2ee.acked'>): Promise<void> {
    const key = this.keys.get(a.epoch);
    if (!key || a.tag !== toB64(await ackTag(key, a.epoch, a.peerId))) return;
    this.acked.set(a.peerId, Math.max(a.epoch, this.acked.get(a.peerId) ?? 0));
  }

  /** Moderators: members in the encrypted group who have not proved they hold the current key. */
  pending(): string[] {
    return this.roster.signed().filter((m) => m.id !== this.selfId && (this.acked.get(m.id) ?? 0) < this.state.epoch).map((m) => m.displayName);
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

  alarm(message: Message): KeyEffect[] {
    this.state.alarm = message;
    return [];
  }

  private async install(epoch: number, groupKey: Uint8Array, wordsKey: Uint8Array): Promise<KeyEffect[]> {
    this.keys.set(epoch, groupKey);
    for (const e of this.keys.keys()) if (e <= epoch - KEEP_EPOCHS) this.keys.delete(e);
    this.chatKey = await deriveChatKey(groupKey, epoch);
    this.state.epoch = epoch;
    this.acked.set(this.selfId, epoch);
    const members = this.roster.signed().map((m) => ({ id: m.id, role: m.role, publicKey: m.publicKey }));
    this.state.safetyWords = await safetyWords(wordsKey, members);
    this.refresh();
    return [{ type: 'install', epoch, groupKey }];
  }

  /** After any change of membership: what the page shows, and, as leader, a rekey. */
  private changed(): KeyEffect[] {
    this.refresh();
    return this.isLeader() ? [{ type: 'rekey' }] : [];
  }

  private refresh(): void {
    this.state.unverified = this.roster.unlinked().map((m) => m.displayName);
    this.state.outside = this.roster.outside().filter((m) => m.id !== this.selfId).map((m) => m.displayName);
    this.state.selfOutside = !this.roster.get(this.selfId)?.signed;
  }
}
