import { randomBytes } from 'node:crypto';
import {
  ErrorCode, HearthError, ROLES_BY_KIND, isModerator, type E2eeKey, type EventOf, type RequestOf, type Role,
  type RoomSnapshot, type Roster, type SessionKind, type Standing,
} from '@hearth/shared';
import type { InviteClaims } from '../auth/TokenService.js';
import { AuditLog } from './AuditLog.js';
import { InviteBook } from './InviteBook.js';
import type { PeerOutbox } from './ports.js';
import type { Room } from './Room.js';
import { TurnFloor } from './TurnFloor.js';

interface Participant {
  id: string;
  displayName: string;
  role: Role;
  deviceId: string;
  e2eeKey: E2eeKey;
  outbox: PeerOutbox;
  standing: 'waiting' | 'admitted';
}

type Envelope = EventOf<'e2ee.key'> & { to: string };

/**
 * Hooks for tests that play a malicious server. Settable only in-process (buildApp options), never by config.
 */
export interface SessionHooks {
  /** Sees (and may alter) every key envelope the server relays. */
  relayEnvelope?: (envelope: Envelope) => Envelope;
  /** Removal tells the others but keeps forwarding media to the removed member, who is not told. */
  silentRemoval?: boolean;
}

export interface Arrival {
  claims: InviteClaims;
  displayName: string;
  deviceId: string;
  e2eeKey: E2eeKey;
  outbox: PeerOutbox;
}

export interface ArrivalResult {
  selfId: string;
  role: Role;
  admitted: boolean;
  room?: RoomSnapshot;
}

/**
 * One group session: who is waiting, who is in the circle (the Room), and the safety state around them —
 * lock, removals, invites, audit. Every method runs inside `run()` (the room's queue).
 */
export class Session {
  readonly invites = new InviteBook();
  readonly audit = new AuditLog();
  private readonly participants = new Map<string, Participant>();
  /** Devices admitted during this session: after a drop or reload they come straight back in. */
  private readonly admittedDevices = new Set<string>();
  /** Devices removed by a facilitator: never again in this session. */
  private readonly bannedDevices = new Set<string>();
  private lockedFlag = false;
  /** The newest key epoch relayed (the server sees epoch numbers, never keys). */
  private keyEpoch = 0;
  private endedFlag = false;
  private rosterQueued = false;
  /** A device keeps its participant id for the whole session, so a member who drops gets their turn back. */
  private readonly idByDevice = new Map<string, string>();
  private readonly lastReaction = new Map<string, number>();
  readonly floor: TurnFloor;
  lastActivity = Date.now();

  constructor(
    readonly id: string,
    readonly title: string,
    readonly kind: SessionKind,
    readonly room: Room,
    private readonly maxPeers: number,
    private readonly hooks: SessionHooks = {},
  ) {
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
    const previous = [...this.participants.values()].find((p) => p.deviceId === a.deviceId);
    const moderator = isModerator(a.claims.role);
    const returning = this.admittedDevices.has(a.deviceId);
    if (this.lockedFlag && !moderator && !returning && !previous) throw new HearthError(ErrorCode.ROOM_LOCKED);
    if (!previous && this.participants.size >= this.maxPeers) throw new HearthError(ErrorCode.ROOM_FULL);
    this.invites.use(a.claims.inviteId, a.claims.maxUses, a.deviceId);
    if (previous) {
      // The same device again (a reload, a second tab): the newer connection takes the seat.
      await this.drop(previous);
      previous.outbox.close(ErrorCode.REPLACED);
    }
    const id = this.idByDevice.get(a.deviceId) ?? randomBytes(9).toString('base64url');
    this.idByDevice.set(a.deviceId, id);
    const p: Participant = {
      id, displayName: a.displayName, role: a.claims.role, deviceId: a.deviceId,
      e2eeKey: a.e2eeKey, outbox: a.outbox, standing: 'waiting',
    };
    this.participants.set(p.id, p);
    if (moderator || returning) return { selfId: p.id, role: p.role, admitted: true, room: await this.enter(p) };
    this.pushRoster();
    return { selfId: p.id, role: p.role, admitted: false };
  }

  /** A connection goes: only if it is still the one holding that seat (a replaced one's late goodbye is not). */
  async depart(id: string, outbox: PeerOutbox): Promise<void> {
    const p = this.participants.get(id);
    if (p && p.outbox === outbox) await this.drop(p);
  }

  async admit(actorId: string, targetId: string): Promise<void> {
    const target = this.target(actorId, targetId);
    if (target.standing !== 'waiting') throw new HearthError(ErrorCode.INVALID_STATE, 'not waiting');
    target.outbox.send('session.admitted', await this.enter(target));
    this.record(actorId, 'admitted', target);
  }

  async admitAll(actorId: string): Promise<number> {
    const waiting = [...this.participants.values()].filter((p) => p.standing === 'waiting');
    for (const p of waiting) await this.admit(actorId, p.id);
    return waiting.length;
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

  /** Out, told why, and kept out: this device is banned and its seat is gone. */
  async remove(actorId: string, targetId: string, message?: string): Promise<void> {
    const target = this.target(actorId, targetId);
    const actor = this.participants.get(actorId)!;
    if (target.role === 'facilitator' && actor.role !== 'facilitator') throw new HearthError(ErrorCode.NOT_ALLOWED);
    this.bannedDevices.add(target.deviceId);
    this.admittedDevices.delete(target.deviceId);
    this.idByDevice.delete(target.deviceId);
    this.record(actorId, 'removed', target);
    await this.floor.apply({ type: 'removed', id: target.id });
    if (this.hooks.silentRemoval && target.standing === 'admitted') {
      this.participants.delete(target.id);
      this.room.leaveButKeepForwarding(target.id);
      return;
    }
    await this.drop(target);
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

  /** Relays sealed group keys to the named admitted members; the server cannot open them. */
  distributeKeys(fromId: string, req: RequestOf<'e2ee.distribute'>): number {
    this.keyEpoch = Math.max(this.keyEpoch, req.epoch);
    let delivered = 0;
    for (const e of req.envelopes) {
      let env: Envelope = { from: fromId, to: e.to, epoch: req.epoch, nonce: e.nonce, box: e.box };
      if (this.hooks.relayEnvelope) env = this.hooks.relayEnvelope(env);
      const { to, ...event } = env;
      if (to !== fromId && this.room.sendTo(to, 'e2ee.key', event)) delivered++;
    }
    return delivered;
  }

  /** Tells the moderators that a member switched to the key of `epoch`. */
  keyAcknowledged(fromId: string, epoch: number): void {
    for (const p of this.participants.values()) {
      if (p.standing === 'admitted' && isModerator(p.role)) this.room.sendTo(p.id, 'e2ee.acked', { peerId: fromId, epoch });
    }
  }

  /** Relays an encrypted chat message to the rest of the circle. Nothing is kept. */
  relayChat(fromId: string, req: RequestOf<'chat.send'>): void {
    for (const p of this.participants.values()) {
      if (p.id !== fromId && p.standing === 'admitted') this.room.sendTo(p.id, 'chat.message', { from: fromId, ...req });
    }
  }

  /** Relays sealed private notes, each to the admitted facilitator it names (anyone else gets nothing). */
  relayNotes(fromId: string, req: RequestOf<'chat.note'>): number {
    let delivered = 0;
    for (const n of req.notes) {
      const to = this.participants.get(n.to);
      if (!to || to.id === fromId || to.standing !== 'admitted' || !isModerator(to.role)) continue;
      if (this.room.sendTo(to.id, 'chat.note', { from: fromId, nonce: n.nonce, box: n.box })) delivered++;
    }
    return delivered;
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
      waiting: [...this.participants.values()].filter((p) => p.standing === 'waiting').map((p) => ({ id: p.id, displayName: p.displayName })),
      members: this.room.roster(),
      audit: this.audit.list(),
    };
  }

  private async enter(p: Participant): Promise<RoomSnapshot> {
    p.standing = 'admitted';
    this.admittedDevices.add(p.deviceId);
    const snapshot = { ...this.room.join(p.id, p.displayName, p.role, p.e2eeKey, p.outbox), keyEpoch: this.keyEpoch };
    if (!isModerator(p.role)) await this.floor.apply({ type: 'joined', id: p.id });
    p.outbox.send('turn.state', this.floor.view());
    return snapshot;
  }

  private async drop(p: Participant): Promise<void> {
    this.participants.delete(p.id);
    if (p.standing === 'admitted') {
      this.room.leave(p.id);
      await this.floor.apply({ type: 'left', id: p.id });
    } else this.pushRoster();
  }

  /** Another participant an actor may act on (not themselves). */
  private target(actorId: string, targetId: string): Participant {
    if (actorId === targetId) throw new HearthError(ErrorCode.INVALID_STATE, 'not on yourself');
    const t = this.participants.get(targetId);
    if (!t) throw new HearthError(ErrorCode.NOT_FOUND, 'no such participant');
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
