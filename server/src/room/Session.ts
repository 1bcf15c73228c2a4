import {
  ErrorCode, HearthError, ROLES_BY_KIND, isModerator, mayActOn, type E2eeKey, type EventOf, type Role, type RoomSnapshot,
  type Roster, type SessionKind, type Standing,
} from '@hearth/shared';
import { memberIdFor } from '@hearth/shared/crypto';
import type { InviteClaims } from '../auth/TokenService.js';
import { AuditLog } from './AuditLog.js';
import { E2eeRelay } from './E2eeRelay.js';
import { InviteBook } from './InviteBook.js';
import { Membership } from './Membership.js';
import { peerCard, type Participant, type SessionHooks } from './participant.js';
import type { PeerOutbox } from './ports.js';
import type { Room } from './Room.js';
import { TurnFloor } from './TurnFloor.js';

export type { SessionHooks } from './participant.js';

export interface Arrival {
  claims: InviteClaims;
  displayName: string;
  deviceId: string;
  e2eeKey: E2eeKey;
  /** A moderator's own certificate, signed in its browser (kept only if it verifies). */
  certificate?: string;
  outbox: PeerOutbox;
}

export interface ArrivalResult {
  selfId: string;
  role: Role;
  admitted: boolean;
  room?: RoomSnapshot;
}

export interface SessionLimits {
  /** Most admitted participants in the circle (moderators included). */
  maxPeers: number;
  /** Most participants in the waiting room (they never count against the circle). */
  maxWaiting: number;
}

/**
 * One group session: who is waiting, who is in the circle (the Room), and the safety state around them —
 * lock, removals, invites, signed membership, audit. Every method runs inside `run()` (the room's queue).
 */
export class Session {
  readonly invites = new InviteBook();
  readonly audit = new AuditLog();
  readonly id: string;
  readonly title: string;
  readonly kind: SessionKind;
  private readonly participants = new Map<string, Participant>();
  /** Devices admitted during this session, with the key they were last admitted with: they may come back. */
  private readonly admittedDevices = new Map<string, string>();
  /** Devices removed by a facilitator: never again in this session. */
  private readonly bannedDevices = new Set<string>();
  private readonly membership: Membership;
  private lockedFlag = false;
  private endedFlag = false;
  private rosterQueued = false;
  /** The next arrival number in the circle (PeerInfo.seq; the key-leader rule reads it). */
  private nextSeq = 1;
  private readonly lastReaction = new Map<string, number>();
  readonly floor: TurnFloor;
  /** Key envelopes, acks, chat and notes; and who the key leader is. */
  readonly keys: E2eeRelay;
  lastActivity = Date.now();

  constructor(
    info: { id: string; title: string; kind: SessionKind; signingKey: Uint8Array },
    readonly room: Room,
    private readonly limits: SessionLimits,
    private readonly hooks: SessionHooks = {},
  ) {
    this.id = info.id;
    this.title = info.title;
    this.kind = info.kind;
    this.membership = new Membership(info.id, info.signingKey);
    this.keys = new E2eeRelay(this.participants, room, hooks);
    room.onChange = () => this.pushRoster();
    this.floor = new TurnFloor(room, (task) => void this.run(task).catch(() => undefined));
  }

  get ended(): boolean {
    return this.endedFlag;
  }

  get size(): number {
    return this.participants.size;
  }

  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.lastActivity = Date.now();
    return this.room.run(task);
  }

  standingOf(id: string | undefined): Standing {
    return (id && this.participants.get(id)?.standing) || 'outside';
  }

  async arrive(a: Arrival): Promise<ArrivalResult> {
    if (this.endedFlag) throw new HearthError(ErrorCode.SESSION_NOT_FOUND);
    if (!ROLES_BY_KIND[this.kind].includes(a.claims.role)) throw new HearthError(ErrorCode.TOKEN_INVALID, 'wrong role');
    if (this.bannedDevices.has(a.deviceId)) throw new HearthError(ErrorCode.REMOVED);
    const forged = this.hooks.forgeRole?.(a.displayName);
    const role = forged ?? a.claims.role;
    const id = memberIdFor(this.id, a.deviceId);
    const previous = this.participants.get(id);
    const certificate = this.membership.verified(id, role, a.e2eeKey, a.certificate)
      ?? this.membership.verified(id, role, a.e2eeKey, this.membership.remembered(a.deviceId, a.e2eeKey.publicKey));
    const known = this.admittedDevices.get(a.deviceId);
    // Straight into the circle: moderators, and devices admitted before that bring the same key (or a signed new one).
    const direct = forged !== undefined || isModerator(role) || (known !== undefined && (known === a.e2eeKey.publicKey || !!certificate));
    this.checkDoor({ direct, moderator: isModerator(role), known: known !== undefined, previous });
    this.invites.use(a.claims.inviteId, a.claims.maxUses, a.deviceId);
    if (previous) {
      // The same device again (a reload, a second tab): the newer connection takes the seat.
      await this.drop(previous);
      previous.outbox.close(ErrorCode.REPLACED);
    }
    const p: Participant = {
      id, displayName: a.displayName, role, deviceId: a.deviceId, e2eeKey: a.e2eeKey, outbox: a.outbox, standing: 'waiting',
      inviteId: a.claims.inviteId, seq: 0, ...(certificate ? { certificate } : {}),
    };
    this.participants.set(p.id, p);
    if (direct) return { selfId: p.id, role: p.role, admitted: true, room: await this.enter(p) };
    this.pushRoster();
    return { selfId: p.id, role: p.role, admitted: false };
  }

  /** Lock and capacity: the circle counts only admitted members, the waiting room has its own cap. */
  private checkDoor(o: { direct: boolean; moderator: boolean; known: boolean; previous?: Participant }): void {
    if (this.lockedFlag && !o.moderator && !o.known && !o.previous) throw new HearthError(ErrorCode.ROOM_LOCKED);
    if (o.direct) {
      if (o.previous?.standing !== 'admitted' && this.count('admitted') >= this.limits.maxPeers) throw new HearthError(ErrorCode.ROOM_FULL);
    } else if (o.previous?.standing !== 'waiting' && this.count('waiting') >= this.limits.maxWaiting) {
      throw new HearthError(ErrorCode.ROOM_FULL, 'waiting room full');
    }
  }

  /**
   * A connection goes: only if it is still the one holding that seat (a replaced one's late goodbye is not).
   * A device that leaves the waiting room before it was ever admitted gives its use of the invite back.
   */
  async depart(id: string, outbox: PeerOutbox): Promise<void> {
    const p = this.participants.get(id);
    if (!p || p.outbox !== outbox) return;
    if (p.standing === 'waiting' && !this.admittedDevices.has(p.deviceId)) this.invites.release(p.inviteId, p.deviceId);
    await this.drop(p);
  }

  /** Lets one waiting member in, with the certificate the facilitator's browser signed (kept only if it verifies). */
  async admit(actorId: string, targetId: string, certificate?: string): Promise<void> {
    const target = this.target(actorId, targetId);
    if (target.standing !== 'waiting') throw new HearthError(ErrorCode.INVALID_STATE, 'not waiting');
    if (this.count('admitted') >= this.limits.maxPeers) throw new HearthError(ErrorCode.ROOM_FULL);
    const verified = this.membership.verified(target.id, target.role, target.e2eeKey, certificate);
    if (verified) target.certificate = verified;
    target.outbox.send('session.admitted', await this.enter(target));
    this.record(actorId, 'admitted', target);
  }

  /** With `certificates`: exactly the waiting members listed, each with its own; without: everyone waiting. */
  async admitAll(actorId: string, certificates?: { peerId: string; certificate: string }[]): Promise<number> {
    const chosen = certificates
      ? certificates.map((c) => ({ p: this.participants.get(c.peerId), certificate: c.certificate as string | undefined }))
      : [...this.participants.values()].filter((p) => p.standing === 'waiting').map((p) => ({ p, certificate: undefined }));
    let admitted = 0;
    for (const { p, certificate } of chosen) {
      if (!p || p.standing !== 'waiting' || this.count('admitted') >= this.limits.maxPeers) continue;
      await this.admit(actorId, p.id, certificate);
      admitted++;
    }
    return admitted;
  }

  async deny(actorId: string, targetId: string, message?: string): Promise<void> {
    const target = this.target(actorId, targetId);
    if (target.standing !== 'waiting') throw new HearthError(ErrorCode.INVALID_STATE, 'not waiting');
    await this.drop(target);
    target.outbox.close(ErrorCode.DENIED, message);
    this.record(actorId, 'declined', target);
  }

  async mute(actorId: string, targetId: string): Promise<void> {
    const target = this.member(actorId, targetId);
    await this.room.mute(target.id);
    this.record(actorId, 'muted', target);
  }

  async muteAll(actorId: string): Promise<number> {
    const members = [...this.participants.values()].filter((p) => p.standing === 'admitted' && !isModerator(p.role));
    for (const p of members) await this.room.mute(p.id);
    this.record(actorId, `muted everyone (${members.length})`);
    return members.length;
  }

  askUnmute(actorId: string, targetId: string): void {
    const target = this.member(actorId, targetId);
    this.room.askUnmute(target.id);
    this.record(actorId, 'asked to unmute', target);
  }

  stopCamera(actorId: string, targetId: string): void {
    const target = this.member(actorId, targetId);
    this.room.stopCamera(target.id);
    this.record(actorId, 'stopped the camera of', target);
  }

  allowCamera(actorId: string, targetId: string): void {
    const target = this.member(actorId, targetId);
    this.room.allowCamera(target.id);
    this.record(actorId, 'allowed the camera of', target);
  }

  /** Out, told why, and kept out: this device is banned, and a valid revocation of its key goes to everyone. */
  async remove(actorId: string, targetId: string, message?: string, revocation?: string): Promise<void> {
    const target = this.target(actorId, targetId);
    this.bannedDevices.add(target.deviceId);
    this.admittedDevices.delete(target.deviceId);
    this.membership.forget(target.deviceId);
    const revoked = this.membership.revoke(target.id, target.e2eeKey.publicKey, revocation);
    this.record(actorId, 'removed', target);
    await this.floor.apply({ type: 'removed', id: target.id });
    if (this.hooks.silentRemoval && target.standing === 'admitted') {
      this.participants.delete(target.id);
      this.room.leaveButKeepForwarding(target.id, revoked, this.hooks.silentRemoval === 'unannounced');
      return;
    }
    await this.drop(target, revoked);
    target.outbox.close(ErrorCode.REMOVED, message);
  }

  /** Records an action that concerns no participant (invites). */
  recordAction(actorId: string, action: string): void {
    this.record(actorId, action);
  }

  /** A quiet reaction to everyone in the circle; at most one per member every 1.5 s. */
  react(fromId: string, reaction: EventOf<'turn.reaction'>['reaction']): void {
    const now = Date.now();
    if (now - (this.lastReaction.get(fromId) ?? 0) < 1500) throw new HearthError(ErrorCode.RATE_LIMITED);
    this.lastReaction.set(fromId, now);
    this.room.sendAll('turn.reaction', { from: fromId, reaction });
  }

  lock(actorId: string, locked: boolean): void {
    this.lockedFlag = locked;
    this.record(actorId, locked ? 'locked the session' : 'unlocked the session');
  }

  /** Ends the session for everyone. The registry forgets it afterwards. */
  end(code: ErrorCode = ErrorCode.SESSION_ENDED): void {
    if (this.endedFlag) return;
    this.endedFlag = true;
    for (const p of this.participants.values()) p.outbox.close(code);
    this.participants.clear();
    this.floor.close();
    this.room.close();
  }

  roster(): Roster {
    return {
      locked: this.lockedFlag,
      waiting: [...this.participants.values()].filter((p) => p.standing === 'waiting')
        .map((p) => ({ id: p.id, displayName: p.displayName, e2eeKey: p.e2eeKey })),
      members: this.room.roster(),
      audit: this.audit.list(),
    };
  }

  private async enter(p: Participant): Promise<RoomSnapshot> {
    p.standing = 'admitted';
    p.seq = this.nextSeq++;
    this.admittedDevices.set(p.deviceId, p.e2eeKey.publicKey);
    if (p.certificate) this.membership.remember(p.deviceId, p.e2eeKey.publicKey, p.certificate);
    const joined = this.room.join(peerCard(p), p.outbox);
    const snapshot: RoomSnapshot = { ...joined, keyEpoch: this.keys.keyEpoch, revocations: this.membership.revocations() };
    if (!isModerator(p.role)) await this.floor.apply({ type: 'joined', id: p.id });
    p.outbox.send('turn.state', this.floor.view());
    return snapshot;
  }

  private async drop(p: Participant, revocation?: string): Promise<void> {
    this.participants.delete(p.id);
    if (p.standing === 'admitted') {
      this.room.leave(p.id, revocation);
      await this.floor.apply({ type: 'left', id: p.id });
    } else this.pushRoster();
  }

  private count(standing: Participant['standing']): number {
    let n = 0;
    for (const p of this.participants.values()) if (p.standing === standing) n++;
    return n;
  }

  /** Another participant an actor may act on: not themselves, and a facilitator only by a facilitator (mayActOn). */
  private target(actorId: string, targetId: string): Participant {
    if (actorId === targetId) throw new HearthError(ErrorCode.INVALID_STATE, 'not on yourself');
    const t = this.participants.get(targetId);
    if (!t) throw new HearthError(ErrorCode.NOT_FOUND, 'no such participant');
    const actor = this.participants.get(actorId);
    if (!actor || !mayActOn(actor.role, t.role)) throw new HearthError(ErrorCode.NOT_ALLOWED);
    return t;
  }

  private member(actorId: string, targetId: string): Participant {
    const t = this.target(actorId, targetId);
    if (t.standing !== 'admitted') throw new HearthError(ErrorCode.INVALID_STATE, 'not in the circle');
    return t;
  }

  private record(actorId: string, action: string, target?: Participant): void {
    const actor = this.participants.get(actorId);
    if (actor) this.audit.record(actor, action, target?.displayName);
    this.pushRoster();
  }

  /** Coalesces the many changes of one command into one roster push to the moderators. */
  private pushRoster(): void {
    if (this.rosterQueued) return;
    this.rosterQueued = true;
    queueMicrotask(() => {
      this.rosterQueued = false;
      if (this.endedFlag) return;
      const roster = this.roster();
      for (const p of this.participants.values()) {
        if (p.standing === 'admitted' && isModerator(p.role)) p.outbox.send('facilitator.roster', roster);
      }
    });
  }
}
