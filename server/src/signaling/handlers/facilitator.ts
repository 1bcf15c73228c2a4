import { ErrorCode, HearthError, ROLES_BY_KIND } from '@hearth/shared';
import { asActor, type Handler } from './types.js';

// Safety actions. The gateway has already checked the sender's role against ROLE_ACTIONS; each action runs in
// the session's queue, where its target is looked up by the session (never trusted from the payload).

const done = {};
const note = (message?: string) => message?.trim() || undefined;

export const admit = asActor<'facilitator.admit'>(async (s, me, r) => (await s.admit(me, r.peerId, r.certificate), done));
export const admitAll = asActor<'facilitator.admitAll'>(async (s, me, r) => ({ admitted: await s.admitAll(me, r.certificates) }));
export const deny = asActor<'facilitator.deny'>(async (s, me, r) => (await s.deny(me, r.peerId, note(r.message)), done));
export const mute = asActor<'facilitator.mute'>(async (s, me, r) => (await s.mute(me, r.peerId), done));
export const askUnmute = asActor<'facilitator.askUnmute'>((s, me, r) => (s.askUnmute(me, r.peerId), done));
export const muteAll = asActor<'facilitator.muteAll'>(async (s, me) => ({ muted: await s.muteAll(me) }));
export const stopCamera = asActor<'facilitator.stopCamera'>((s, me, r) => (s.stopCamera(me, r.peerId), done));
export const allowCamera = asActor<'facilitator.allowCamera'>((s, me, r) => (s.allowCamera(me, r.peerId), done));
export const remove = asActor<'facilitator.remove'>(async (s, me, r) => (await s.remove(me, r.peerId, note(r.message), r.revocation), done));
export const setTurnMode = asActor<'facilitator.setTurnMode'>(async (s, me, r) => {
  await s.floor.apply({ type: 'setMode', mode: r.mode });
  s.recordAction(me, `set the floor to ${r.mode}`);
  return done;
});
export const passStick = asActor<'facilitator.passStick'>(async (s, me, r) => {
  if (!s.floor.current.members.includes(r.peerId)) throw new HearthError(ErrorCode.NOT_FOUND, 'not a member who takes turns');
  await s.floor.apply({ type: 'passTo', id: r.peerId });
  return done;
});
export const takeStick = asActor<'facilitator.takeStick'>(async (s) => (await s.floor.apply({ type: 'takeBack' }), done));
export const extendTurn = asActor<'facilitator.extendTurn'>(async (s, _me, r) => (await s.floor.apply({ type: 'extend', ms: r.seconds * 1000 }), done));
export const setTurnLimit = asActor<'facilitator.setTurnLimit'>(async (s, _me, r) => {
  await s.floor.apply({ type: 'setLimit', ms: r.seconds === 0 ? null : r.seconds * 1000 });
  return done;
});
export const lock = asActor<'facilitator.lock'>((s, me, r) => (s.lock(me, r.locked), done));
export const revokeInvite = asActor<'facilitator.revokeInvite'>((s, me, r) => {
  s.invites.revoke(r.inviteId);
  s.recordAction(me, 'revoked an invite');
  return done;
});

export const end: Handler<'facilitator.end'> = async ({ conn, sessions }) => {
  const { session } = conn.seat();
  await session.run(() => sessions.end(session));
  return done;
};

export const createInvite: Handler<'facilitator.createInvite'> = async ({ conn, tokens }, req) => {
  const { session, selfId } = conn.seat();
  if (!ROLES_BY_KIND[session.kind].includes(req.role)) throw new HearthError(ErrorCode.INVALID_STATE, 'role not in this kind of session');
  // Nobody hands out more power than they hold: only a facilitator invites a facilitator.
  if (req.role === 'facilitator' && conn.role !== 'facilitator') throw new HearthError(ErrorCode.NOT_ALLOWED);
  const invite = await tokens.issueInvite({
    sessionId: session.id, role: req.role, maxUses: req.maxUses, ttlSeconds: req.ttlMinutes * 60,
  });
  await session.run(() => {
    session.invites.issue(invite.inviteId);
    session.recordAction(selfId, `created a ${req.role} invite`);
  });
  return { token: invite.token, inviteId: invite.inviteId, expiresAt: invite.expiresAt.toISOString() };
};
