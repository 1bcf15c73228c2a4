import type { Handler } from './types.js';

// A member's own turn requests. The machine ignores what does not apply (a facilitator asking for the stick,
// a pass from someone who no longer holds it), so these never fail for being out of date.

export const request: Handler<'turn.request'> = async ({ conn }) => {
  const { session, selfId } = conn.seat();
  await session.run(() => session.floor.apply({ type: 'request', id: selfId }));
  return {};
};

export const cancel: Handler<'turn.cancel'> = async ({ conn }) => {
  const { session, selfId } = conn.seat();
  await session.run(() => session.floor.apply({ type: 'cancel', id: selfId }));
  return {};
};

export const pass: Handler<'turn.pass'> = async ({ conn }, req) => {
  const { session, selfId } = conn.seat();
  await session.run(() => session.floor.apply({ type: 'pass', id: selfId, turn: req.turn }));
  return {};
};

export const react: Handler<'turn.react'> = async ({ conn }, req) => {
  const { session, selfId } = conn.seat();
  await session.run(() => session.react(selfId, req.reaction));
  return {};
};
