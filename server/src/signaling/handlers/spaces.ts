import { asActor } from './types.js';

// The way in and out (issue 11): the private-space check, "not private right now", the 1:1 side room.

export const setCheck = asActor<'member.setCheck'>((s, me, r) => s.setCheck(me, r));
export const setPrivate = asActor<'member.setPrivate'>((s, me, r) => s.setPrivate(me, r));
export const stepOut = asActor<'facilitator.stepOut'>((s, me, r) => s.stepOut(me, r));
export const returnFromSide = asActor<'side.return'>((s, me) => s.returnFromSide(me));
