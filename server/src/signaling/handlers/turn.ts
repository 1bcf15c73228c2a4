import { asActor } from './types.js';

// A member's own turn requests. The machine ignores what does not apply (a facilitator asking for the stick,
// a pass from someone who no longer holds it), so these never fail for being out of date.

export const request = asActor<'turn.request'>((s, me) => s.requestTurn(me));
export const cancel = asActor<'turn.cancel'>((s, me) => s.cancelTurn(me));
export const pass = asActor<'turn.pass'>((s, me, r) => s.passTurn(me, r));
export const react = asActor<'turn.react'>((s, me, r) => s.react(me, r));
