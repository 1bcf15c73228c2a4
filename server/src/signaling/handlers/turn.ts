import { asActor } from './types.js';

// A member's own turn requests. The machine ignores what does not apply (a facilitator asking for the stick,
// a pass from someone who no longer holds it), so these never fail for being out of date.

export const request = asActor<'turn.request'>(async (s, me) => (await s.floor.apply({ type: 'request', id: me }), {}));
export const cancel = asActor<'turn.cancel'>(async (s, me) => (await s.floor.apply({ type: 'cancel', id: me }), {}));
export const pass = asActor<'turn.pass'>(async (s, me, r) => (await s.floor.apply({ type: 'pass', id: me, turn: r.turn }), {}));
export const react = asActor<'turn.react'>((s, me, r) => (s.react(me, r.reaction), {}));
