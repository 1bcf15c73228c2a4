import { ErrorCode } from '../vocabulary/errorCodes.js';
import { MODERATION_ACTIONS, type ModerationAction, type Role, type SessionKind, type Standing } from '../vocabulary/index.js';

/** Which roles an invite may carry in each kind of session. */
export const ROLES_BY_KIND: Readonly<Record<SessionKind, readonly Role[]>> = {
  clinical: ['facilitator', 'cofacilitator', 'member'],
  peer: ['secretary', 'member'],
};

const ALL: readonly ModerationAction[] = MODERATION_ACTIONS;

/**
 * THE permissions table: role -> the safety actions it may take. Read by the server gateway for every
 * message and by the client only to decide which controls to show.
 */
export const ROLE_ACTIONS: Readonly<Record<Role, readonly ModerationAction[]>> = {
  facilitator: ALL,
  secretary: ALL,
  // A co-facilitator moderates but does not end the session (nor invite a facilitator: see createInvite).
  cofacilitator: ALL.filter((a) => a !== 'facilitator.end'),
  member: [],
};

/** Roles that moderate (they skip the waiting room and may always speak). */
export const isModerator = (role: Role): boolean => ROLE_ACTIONS[role].length > 0;

const MODERATION = new Set<string>(MODERATION_ACTIONS);

/** Which standing each request needs. Moderation requests additionally need the role (above). */
export function standingFor(name: string): Standing {
  // Outside: arriving, coming back, and what the pre-join page asks first (the codecs; binding the invite to the device).
  if (name === 'session.join' || name === 'session.resume' || name === 'session.capabilities' || name === 'session.claim') return 'outside';
  // Waiting or admitted: leaving, giving receive capabilities early, and the private-space check (done before
  // the facilitator lets someone in, so they see it while the member waits).
  if (name === 'session.leave' || name === 'media.setRtpCapabilities' || name === 'member.setCheck') return 'waiting';
  return 'admitted';
}

/**
 * Parse has happened; may this connection send this request? Returns the error to answer with, if not.
 * Order matters: standing first (a waiting member is NOT_ADMITTED, whatever its role), then role.
 */
export function authorize(standing: Standing, role: Role | undefined, name: string): ErrorCode | undefined {
  const needed = standingFor(name);
  if (needed === 'outside') return standing === 'outside' ? undefined : ErrorCode.INVALID_STATE;
  if (standing === 'outside') return ErrorCode.INVALID_STATE;
  if (needed === 'admitted' && standing !== 'admitted') return ErrorCode.NOT_ADMITTED;
  if (MODERATION.has(name) && !(role && (ROLE_ACTIONS[role] as readonly string[]).includes(name))) {
    return ErrorCode.NOT_ALLOWED;
  }
  return undefined;
}

/** For the client: may this role see this control? (The server decides regardless.) */
export function may(role: Role | undefined, action: ModerationAction): boolean {
  return !!role && ROLE_ACTIONS[role].includes(action);
}

/**
 * May someone in `actorRole` take a targeted safety action (admit, deny, mute, ask to unmute, stop or allow a
 * camera, remove) on someone in `targetRole`? Only a facilitator acts on a facilitator; the server checks it
 * for every targeted action, after the role table above.
 */
export function mayActOn(actorRole: Role, targetRole: Role): boolean {
  return targetRole !== 'facilitator' || actorRole === 'facilitator';
}

/** May someone in `actorRole` make an invite for `inviteRole`? Nobody hands out more power than they hold. */
export function mayInvite(actorRole: Role, inviteRole: Role): boolean {
  return inviteRole !== 'facilitator' || actorRole === 'facilitator';
}
