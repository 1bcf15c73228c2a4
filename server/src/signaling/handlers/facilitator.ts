import { asActor } from './types.js';

// Safety actions. The gateway has already checked the sender's role against ROLE_ACTIONS; each is one verb of the
// session, run in its queue, where the target is looked up (never trusted from the payload) and the rules of who
// may act on whom, and the audit line, live.

export const admit = asActor<'facilitator.admit'>((s, me, r) => s.admit(me, r));
export const admitAll = asActor<'facilitator.admitAll'>((s, me, r) => s.admitAll(me, r));
export const deny = asActor<'facilitator.deny'>((s, me, r) => s.deny(me, r));
export const mute = asActor<'facilitator.mute'>((s, me, r) => s.mute(me, r));
export const askUnmute = asActor<'facilitator.askUnmute'>((s, me, r) => s.askUnmute(me, r));
export const muteAll = asActor<'facilitator.muteAll'>((s, me) => s.muteAll(me));
export const stopCamera = asActor<'facilitator.stopCamera'>((s, me, r) => s.stopCamera(me, r));
export const allowCamera = asActor<'facilitator.allowCamera'>((s, me, r) => s.allowCamera(me, r));
export const setLowData = asActor<'facilitator.setLowData'>((s, me, r) => s.setLowData(me, r));
export const remove = asActor<'facilitator.remove'>((s, me, r) => s.remove(me, r));
export const setTurnMode = asActor<'facilitator.setTurnMode'>((s, me, r) => s.setTurnMode(me, r));
export const passStick = asActor<'facilitator.passStick'>((s, me, r) => s.passStick(me, r));
export const takeStick = asActor<'facilitator.takeStick'>((s, me) => s.takeStick(me));
export const extendTurn = asActor<'facilitator.extendTurn'>((s, me, r) => s.extendTurn(me, r));
export const setTurnLimit = asActor<'facilitator.setTurnLimit'>((s, me, r) => s.setTurnLimit(me, r));
export const lock = asActor<'facilitator.lock'>((s, me, r) => s.lock(me, r));
export const revokeInvite = asActor<'facilitator.revokeInvite'>((s, me, r) => s.revokeInvite(me, r));
export const end = asActor<'facilitator.end'>((s, me) => s.endSession(me));
// Signing the invite (the token service) happens inside the session's queue too: it takes well under a millisecond.
export const createInvite = asActor<'facilitator.createInvite'>((s, me, r, ctx) => s.createInvite(me, r, ctx.tokens));
