import type { Handler } from './types.js';

// Every media command runs in the room's queue: a consume can never interleave with the close of the
// producer it names, nor a produce with the member's leave.

export const setRtpCapabilities: Handler<'media.setRtpCapabilities'> = async ({ conn }, req) => {
  const { session, selfId: peerId } = conn.seat();
  const room = session.room;
  await room.run(() => room.media.setRtpCapabilities(peerId, req.rtpCapabilities));
  return {};
};

export const createTransport: Handler<'media.createTransport'> = async ({ conn }, req) => {
  const { session, selfId: peerId } = conn.seat();
  const room = session.room;
  return room.run(() => room.media.createTransport(peerId, req.direction));
};

export const connectTransport: Handler<'media.connectTransport'> = async ({ conn }, req) => {
  const { session, selfId: peerId } = conn.seat();
  const room = session.room;
  await room.run(() => room.media.connectTransport(peerId, req.transportId, req.dtlsParameters));
  return {};
};

export const produce: Handler<'media.produce'> = async ({ conn }, req) => {
  const { session, selfId: peerId } = conn.seat();
  const room = session.room;
  const producerId = await room.run(() => room.produce(peerId, req.transportId, req.kind, req.source, req.rtpParameters));
  return { producerId };
};

export const closeProducer: Handler<'media.closeProducer'> = async ({ conn }, req) => {
  const { session, selfId: peerId } = conn.seat();
  const room = session.room;
  await room.run(() => room.closeProducer(peerId, req.producerId));
  return {};
};

export const setProducerPaused: Handler<'media.setProducerPaused'> = async ({ conn }, req) => {
  const { session, selfId: peerId } = conn.seat();
  const room = session.room;
  await room.run(() => room.setProducerPaused(peerId, req.producerId, req.paused));
  return {};
};

export const consume: Handler<'media.consume'> = async ({ conn }, req) => {
  const { session, selfId: peerId } = conn.seat();
  const room = session.room;
  return room.run(() => room.media.consume(peerId, req.producerId));
};

export const resumeConsumer: Handler<'media.resumeConsumer'> = async ({ conn }, req) => {
  const { session, selfId: peerId } = conn.seat();
  const room = session.room;
  await room.run(() => room.media.resumeConsumer(peerId, req.consumerId));
  return {};
};
