import type { Handler } from './types.js';

// Key envelopes, acknowledgements, chat and private notes: opaque blobs (schema-bounded in size) relayed to named
// admitted members. The server cannot read any of them and keeps none.

export const distribute: Handler<'e2ee.distribute'> = async ({ conn }, req) => {
  const { session, selfId } = conn.seat();
  return { delivered: await session.run(() => session.distributeKeys(selfId, req)) };
};

export const ack: Handler<'e2ee.ack'> = async ({ conn }, req) => {
  const { session, selfId } = conn.seat();
  await session.run(() => session.keyAcknowledged(selfId, req.epoch));
  return {};
};

export const chat: Handler<'chat.send'> = async ({ conn }, req) => {
  const { session, selfId } = conn.seat();
  await session.run(() => session.relayChat(selfId, req));
  return {};
};

export const note: Handler<'chat.note'> = async ({ conn }, req) => {
  const { session, selfId } = conn.seat();
  return { delivered: await session.run(() => session.relayNotes(selfId, req)) };
};
