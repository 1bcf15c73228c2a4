import { ErrorCode } from '../vocabulary/errorCodes.js';
import type { Role, SessionKind } from '../vocabulary/index.js';
import { ROLES_BY_KIND, isModerator, mayActOn } from './permissions.js';
import { Step, refuse } from './membershipStep.js';

/**
 * Who is in a session and where they stand, as a pure machine: (state, event) -> { state, effects }, with the clock
 * passed in each event, like turns.ts. Admission, the lock, bans, a device coming back, replacing connections and
 * the facilitator's mic and camera locks are decided here; the server's Session performs the effects (seats,
 * announcements, closed connections, audit lines) through its ports. A refusal is a value (`refused`: a code from
 * the closed set) and changes nothing. Stale events (a leave by someone already gone) are ignored, never refused.
 *
 * Each member carries a `link` the machine never reads: whatever the caller needs to reach that person (the server
 * keeps the connection, name and key there), so a person is one record, replaced whole on every change.
 */

/**
 * Where a member stands: waiting, admitted, or `away` (the link dropped; the seat, arrival number, floor place and
 * keys are kept until `resumeBy`). Every standing but `waiting` holds a seat: it counts against the circle's cap
 * and keeps its arrival number. Where a seated member is within the session (the circle, a side room, "not private
 * right now") is not a standing: it is orthogonal to presence (a member in a side room whose link drops comes back
 * to the side room), so it lives beside it, in the server's Room (its `space`, see server/src/room/spaces.ts).
 */
export type MemberStanding =
  | { kind: 'waiting' }
  | { kind: 'admitted'; seq: number }
  | { kind: 'away'; seq: number; resumeBy: number };

export interface Member<L = unknown> {
  /** The same for a device on every reload (the server derives it from session and device). */
  id: string;
  role: Role;
  deviceId: string;
  /** The member's E2EE public key: a device that comes back with another one must be admitted (and signed) again. */
  publicKey: string;
  inviteId: string;
  standing: MemberStanding;
  /** Set by a facilitator: the member cannot unmute, or send a camera, until a facilitator allows it. */
  micLocked: boolean;
  cameraLocked: boolean;
  /** The caller's handle on this person (never read here). */
  link: L;
}

export interface MembershipLimits {
  /** Most members holding a seat (moderators included). */
  maxPeers: number;
  /** Most members in the waiting room (they never count against the circle). */
  maxWaiting: number;
}

export interface MembershipState<L = unknown> {
  kind: SessionKind;
  limits: MembershipLimits;
  locked: boolean;
  ended: boolean;
  /** The arrival number the next seat gets (the key-leader rule reads it). */
  nextSeq: number;
  /** In arrival order. */
  members: readonly Member<L>[];
  /** Devices admitted during this session, with the key they were last admitted with: they may come back. */
  admittedDevices: Readonly<Record<string, string>>;
  /** Devices a facilitator removed: never again in this session. */
  bannedDevices: readonly string[];
}

type Targeted = { actor: string; target: string; now: number };

export type MembershipEvent<L = unknown> =
  | {
      type: 'arrive'; now: number; id: string; role: Role; deviceId: string; publicKey: string; inviteId: string; link: L;
      /** The arrival brings a certificate of this key that verified (checked by the caller, never here). */
      signed: boolean;
      /** The caller's invite book refused this invite (revoked, used up): refused after the door's own checks. */
      inviteRefused?: ErrorCode;
    }
  | ({ type: 'admit' } & Targeted)
  /** `targets`: exactly these waiting members; without: everyone waiting. Stops admitting when the circle is full. */
  | { type: 'admitAll'; actor: string; targets?: readonly string[]; now: number }
  | ({ type: 'deny'; note?: string } & Targeted)
  | ({ type: 'remove'; note?: string } & Targeted)
  | { type: 'lock'; actor: string; locked: boolean; now: number }
  /**
   * The member left: the caller checks it was the current connection. `keepInvite`: a waiting member leaving in a
   * hurry (quick exit, closed tab) keeps its use of the invite, so the link stays bound to its device.
   */
  | { type: 'leave'; id: string; now: number; keepInvite?: boolean }
  /** A seated member's link dropped without a goodbye: the seat, role, place and keys are kept until `resumeBy`. */
  | { type: 'drop'; id: string; now: number; graceMs: number }
  /** The member came back on a new connection with its resume token: the same seat, as if it never went. */
  | { type: 'resume'; id: string; now: number; link: L }
  /** The clock passed an away member's `resumeBy`: gone, as a leave (stale or early calls change nothing). */
  | { type: 'expire'; id: string; now: number }
  | { type: 'end'; code: ErrorCode; now: number }
  | ({ type: 'mute' | 'askUnmute' | 'stopCamera' | 'allowCamera' } & Targeted)
  | { type: 'muteAll'; actor: string; now: number };

export type MembershipEffect<L = unknown> =
  /** A change of standing (null: outside), announced once: seat or unseat in the circle, the waiting room's list. */
  | { type: 'moved'; member: Member<L>; from: MemberStanding | null; to: MemberStanding | null }
  /** The same member arrived again: their previous connection (this link) yields. */
  | { type: 'replaced'; id: string; previous: L }
  /** A seated member's link dropped (away) or came back (present): the seat and its media stay. */
  | { type: 'presence'; member: Member<L>; away: boolean }
  /** Wake the caller at `at` to expire this away member (the machine has no timers). */
  | { type: 'expireAt'; id: string; at: number }
  /** Tell the member why, with the facilitator's note if any, and close their connection. */
  | { type: 'close'; member: Member<L>; code: ErrorCode; note?: string }
  | { type: 'useInvite' | 'releaseInvite'; inviteId: string; deviceId: string }
  /** This member was removed: the caller forgets what it kept for the device (a certificate) and records a revocation. */
  | { type: 'banned'; member: Member<L> }
  /** For the turn floor: a member who takes turns joined, left (keeps a place for a while) or was removed. */
  | { type: 'floor'; change: 'joined' | 'left' | 'removed'; id: string }
  /** Pause the member's microphone at the server; close their camera. */
  | { type: 'pauseMic' | 'closeCamera'; id: string }
  /** Tell the member their locks (and whether they are asked to unmute). */
  | { type: 'locks'; id: string; micLocked: boolean; cameraLocked: boolean; askedToUnmute: boolean }
  | { type: 'audit'; actor: string; action: string; target?: string }
  /** The facilitators' roster changed. */
  | { type: 'roster' }
  /** The session is over: every member was closed with `code`; nothing will be seated again. */
  | { type: 'ended'; code: ErrorCode };

export interface MembershipResult<L = unknown> {
  state: MembershipState<L>;
  effects: MembershipEffect<L>[];
  /** Set when the event was refused; then `state` is the one given and there are no effects. */
  refused?: ErrorCode;
  detail?: string;
}

export function initialMembership<L>(kind: SessionKind, limits: MembershipLimits): MembershipState<L> {
  return { kind, limits, locked: false, ended: false, nextSeq: 1, members: [], admittedDevices: {}, bannedDevices: [] };
}

/** Every standing but waiting keeps a seat in the circle. */
export const holdsSeat = (s: MemberStanding | null | undefined): boolean => !!s && s.kind !== 'waiting';

export function findMember<L>(s: MembershipState<L>, id: string | undefined): Member<L> | undefined {
  return id === undefined ? undefined : s.members.find((m) => m.id === id);
}

export function countSeats(s: MembershipState<unknown>): number {
  return s.members.filter((m) => holdsSeat(m.standing)).length;
}

export function countWaiting(s: MembershipState<unknown>): number {
  return s.members.filter((m) => m.standing.kind === 'waiting').length;
}

export { sameStanding } from './membershipStep.js';

/** Who takes turns: everyone but the moderators (they may always speak). */
const takesTurns = (m: Member<unknown>) => !isModerator(m.role);

function arrive<L>(s: MembershipState<L>, e: Extract<MembershipEvent<L>, { type: 'arrive' }>): MembershipResult<L> {
  if (s.ended) return refuse(s, ErrorCode.SESSION_NOT_FOUND);
  if (!ROLES_BY_KIND[s.kind].includes(e.role)) return refuse(s, ErrorCode.TOKEN_INVALID, 'wrong role');
  if (s.bannedDevices.includes(e.deviceId)) return refuse(s, ErrorCode.REMOVED);
  const previous = findMember(s, e.id);
  const known = s.admittedDevices[e.deviceId];
  const moderator = isModerator(e.role);
  // Straight into the circle: moderators, and devices admitted before that bring the same key (or a signed new one).
  const direct = moderator || (known !== undefined && (known === e.publicKey || e.signed));
  if (s.locked && !moderator && known === undefined && !previous) return refuse(s, ErrorCode.ROOM_LOCKED);
  if (direct && !holdsSeat(previous?.standing) && countSeats(s) >= s.limits.maxPeers) return refuse(s, ErrorCode.ROOM_FULL);
  if (!direct && previous?.standing.kind !== 'waiting' && countWaiting(s) >= s.limits.maxWaiting) {
    return refuse(s, ErrorCode.ROOM_FULL, 'waiting room full');
  }
  if (e.inviteRefused) return refuse(s, e.inviteRefused);

  const step = new Step(s);
  step.emit({ type: 'useInvite', inviteId: e.inviteId, deviceId: e.deviceId });
  if (previous) step.emit({ type: 'replaced', id: e.id, previous: previous.link });
  const member: Member<L> = {
    id: e.id, role: e.role, deviceId: e.deviceId, publicKey: e.publicKey, inviteId: e.inviteId, link: e.link,
    standing: direct ? step.seat() : { kind: 'waiting' }, micLocked: false, cameraLocked: false,
  };
  // A replaced connection leaves first, so the floor keeps (and gives back) its place in the queue.
  step.drop(e.id);
  step.move(previous, member);
  if (holdsSeat(previous?.standing) && takesTurns(previous!)) step.emit({ type: 'floor', change: 'left', id: e.id });
  if (direct && takesTurns(member)) step.emit({ type: 'floor', change: 'joined', id: e.id });
  step.emit({ type: 'roster' });
  return step.done();
}

/** Another member an actor may act on: not themselves, and a facilitator only by a facilitator (mayActOn). */
function target<L>(s: MembershipState<L>, e: Targeted): Member<L> | { code: ErrorCode; detail?: string } {
  if (e.actor === e.target) return { code: ErrorCode.INVALID_STATE, detail: 'not on yourself' };
  const t = findMember(s, e.target);
  if (!t) return { code: ErrorCode.NOT_FOUND, detail: 'no such member' };
  const actor = findMember(s, e.actor);
  if (!actor || !mayActOn(actor.role, t.role)) return { code: ErrorCode.NOT_ALLOWED };
  return t;
}

const isRefusal = (x: object): x is { code: ErrorCode; detail?: string } => 'code' in x;

function admitOne<L>(step: Step<L>, actor: string, t: Member<L>): void {
  const member: Member<L> = { ...t, standing: step.seat() };
  step.move(t, member);
  if (takesTurns(member)) step.emit({ type: 'floor', change: 'joined', id: t.id });
  step.emit({ type: 'audit', actor, action: 'admitted', target: t.id }, { type: 'roster' });
}

function admit<L>(s: MembershipState<L>, e: Targeted): MembershipResult<L> {
  const t = target(s, e);
  if (isRefusal(t)) return refuse(s, t.code, t.detail);
  if (t.standing.kind !== 'waiting') return refuse(s, ErrorCode.INVALID_STATE, 'not waiting');
  if (countSeats(s) >= s.limits.maxPeers) return refuse(s, ErrorCode.ROOM_FULL);
  const step = new Step(s);
  admitOne(step, e.actor, t);
  return step.done();
}

function admitAll<L>(s: MembershipState<L>, e: Extract<MembershipEvent<L>, { type: 'admitAll' }>): MembershipResult<L> {
  const step = new Step(s);
  const ids = e.targets ?? s.members.filter((m) => m.standing.kind === 'waiting').map((m) => m.id);
  for (const id of ids) {
    const t = target(step.state, { actor: e.actor, target: id, now: e.now });
    if (isRefusal(t) || t.standing.kind !== 'waiting' || countSeats(step.state) >= s.limits.maxPeers) continue;
    admitOne(step, e.actor, t);
  }
  return step.done();
}

/** Out of the session, told why: a waiting member declined, or anyone removed (and banned). */
function turnAway<L>(s: MembershipState<L>, e: Targeted & { type: 'deny' | 'remove'; note?: string }): MembershipResult<L> {
  const t = target(s, e);
  if (isRefusal(t)) return refuse(s, t.code, t.detail);
  if (e.type === 'deny' && t.standing.kind !== 'waiting') return refuse(s, ErrorCode.INVALID_STATE, 'not waiting');
  const step = new Step(s);
  const note = e.note ? { note: e.note } : {};
  if (e.type === 'deny') {
    step.move(t, null);
    step.emit({ type: 'close', member: t, code: ErrorCode.DENIED, ...note });
    step.emit({ type: 'audit', actor: e.actor, action: 'declined', target: t.id });
  } else {
    const { [t.deviceId]: _forgotten, ...admittedDevices } = s.admittedDevices;
    step.state = { ...step.state, admittedDevices, bannedDevices: [...s.bannedDevices, t.deviceId] };
    step.emit({ type: 'banned', member: t }, { type: 'audit', actor: e.actor, action: 'removed', target: t.id });
    if (takesTurns(t)) step.emit({ type: 'floor', change: 'removed', id: t.id });
    step.move(t, null);
    step.emit({ type: 'close', member: t, code: ErrorCode.REMOVED, ...note });
  }
  step.emit({ type: 'roster' });
  return step.done();
}

function leave<L>(s: MembershipState<L>, e: { id: string; keepInvite?: boolean }): MembershipResult<L> {
  const m = findMember(s, e.id);
  if (!m) return { state: s, effects: [] };
  const step = new Step(s);
  // A device that leaves the waiting room with a plain Leave before it was ever admitted gives its use of the
  // invite back (another device may then use it). Not after a quick exit or a dropped link: the invite stays bound
  // to this device, so the link found later in the browser's history gets nowhere on another one.
  if (!e.keepInvite && m.standing.kind === 'waiting' && s.admittedDevices[m.deviceId] === undefined) {
    step.emit({ type: 'releaseInvite', inviteId: m.inviteId, deviceId: m.deviceId });
  }
  step.move(m, null);
  if (holdsSeat(m.standing) && takesTurns(m)) step.emit({ type: 'floor', change: 'left', id: m.id });
  step.emit({ type: 'roster' });
  return step.done();
}

/**
 * A dropped link. A waiting member simply goes (they hold no seat; coming back is a new arrival from the same device,
 * so it keeps its use of the invite). A seated one is
 * away: nobody else takes the seat, the floor keeps their place, and the key group keeps them until `resumeBy`.
 */
function drop<L>(s: MembershipState<L>, e: { id: string; now: number; graceMs: number }): MembershipResult<L> {
  const m = findMember(s, e.id);
  if (!m || m.standing.kind === 'away') return { state: s, effects: [] };
  if (m.standing.kind !== 'admitted') return leave(s, { id: e.id, keepInvite: true });
  const step = new Step(s);
  const away: Member<L> = { ...m, standing: { kind: 'away', seq: m.standing.seq, resumeBy: e.now + e.graceMs } };
  step.put(away);
  step.emit({ type: 'presence', member: away, away: true }, { type: 'expireAt', id: m.id, at: e.now + e.graceMs }, { type: 'roster' });
  return step.done();
}

/** Back on a new connection, in time: the same seat and arrival number; a connection still held yields. */
function resume<L>(s: MembershipState<L>, e: { id: string; now: number; link: L }): MembershipResult<L> {
  const m = findMember(s, e.id);
  if (s.ended || !m || (m.standing.kind !== 'away' && m.standing.kind !== 'admitted')) return refuse(s, ErrorCode.RESUME_EXPIRED);
  if (m.standing.kind === 'away' && e.now > m.standing.resumeBy) return refuse(s, ErrorCode.RESUME_EXPIRED);
  const step = new Step(s);
  // The server may not have noticed the drop yet: the old connection yields to the new one.
  if (m.standing.kind === 'admitted') step.emit({ type: 'replaced', id: m.id, previous: m.link });
  const back: Member<L> = { ...m, link: e.link, standing: { kind: 'admitted', seq: m.standing.seq } };
  step.put(back);
  step.emit({ type: 'presence', member: back, away: false }, { type: 'roster' });
  return step.done();
}

function expire<L>(s: MembershipState<L>, e: { id: string; now: number }): MembershipResult<L> {
  const m = findMember(s, e.id);
  if (m?.standing.kind !== 'away' || e.now < m.standing.resumeBy) return { state: s, effects: [] };
  return leave(s, e);
}

function end<L>(s: MembershipState<L>, code: ErrorCode): MembershipResult<L> {
  if (s.ended) return { state: s, effects: [] };
  const effects: MembershipEffect<L>[] = s.members.map((m) => ({ type: 'close', member: m, code }));
  effects.push({ type: 'ended', code });
  return { state: { ...s, ended: true, members: [] }, effects };
}

const LOCK_ACTIONS = {
  mute: { mic: true, camera: undefined, asked: false, action: 'muted' },
  askUnmute: { mic: false, camera: undefined, asked: true, action: 'asked to unmute' },
  stopCamera: { mic: undefined, camera: true, asked: false, action: 'stopped the camera of' },
  allowCamera: { mic: undefined, camera: false, asked: false, action: 'allowed the camera of' },
} as const;

function setLocks<L>(step: Step<L>, m: Member<L>, kind: keyof typeof LOCK_ACTIONS): void {
  const a = LOCK_ACTIONS[kind];
  const next: Member<L> = { ...m, micLocked: a.mic ?? m.micLocked, cameraLocked: a.camera ?? m.cameraLocked };
  step.put(next);
  if (a.mic) step.emit({ type: 'pauseMic', id: m.id });
  if (a.camera) step.emit({ type: 'closeCamera', id: m.id });
  step.emit({ type: 'locks', id: m.id, micLocked: next.micLocked, cameraLocked: next.cameraLocked, askedToUnmute: a.asked });
}

function lockMedia<L>(s: MembershipState<L>, e: Targeted & { type: keyof typeof LOCK_ACTIONS }): MembershipResult<L> {
  const t = target(s, e);
  if (isRefusal(t)) return refuse(s, t.code, t.detail);
  if (!holdsSeat(t.standing)) return refuse(s, ErrorCode.INVALID_STATE, 'not in the circle');
  const step = new Step(s);
  setLocks(step, t, e.type);
  step.emit({ type: 'audit', actor: e.actor, action: LOCK_ACTIONS[e.type].action, target: t.id }, { type: 'roster' });
  return step.done();
}

function muteAll<L>(s: MembershipState<L>, actor: string): MembershipResult<L> {
  const step = new Step(s);
  const members = s.members.filter((m) => holdsSeat(m.standing) && !isModerator(m.role));
  for (const m of members) setLocks(step, m, 'mute');
  step.emit({ type: 'audit', actor, action: `muted everyone (${members.length})` }, { type: 'roster' });
  return step.done();
}

export function membershipReducer<L>(state: MembershipState<L>, event: MembershipEvent<L>): MembershipResult<L> {
  switch (event.type) {
    case 'arrive':
      return arrive(state, event);
    case 'admit':
      return admit(state, event);
    case 'admitAll':
      return admitAll(state, event);
    case 'deny':
    case 'remove':
      return turnAway(state, event);
    case 'lock': {
      const action = event.locked ? 'locked the session' : 'unlocked the session';
      return { state: { ...state, locked: event.locked }, effects: [{ type: 'audit', actor: event.actor, action }, { type: 'roster' }] };
    }
    case 'leave':
      return leave(state, event);
    case 'drop':
      return drop(state, event);
    case 'resume':
      return resume(state, event);
    case 'expire':
      return expire(state, event);
    case 'end':
      return end(state, event.code);
    case 'mute':
    case 'askUnmute':
    case 'stopCamera':
    case 'allowCamera':
      return lockMedia(state, event);
    case 'muteAll':
      return muteAll(state, event.actor);
  }
}
