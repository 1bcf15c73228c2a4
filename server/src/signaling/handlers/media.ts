import { asActor } from './types.js';

// Every media command runs in the session's queue (asActor): a consume can never interleave with the close of
// the producer it names, nor a produce with the member's leave.

const done = {};

export const setRtpCapabilities = asActor<'media.setRtpCapabilities'>((s, me, r) => (s.room.media.setRtpCapabilities(me, r.rtpCapabilities), done));
export const createTransport = asActor<'media.createTransport'>((s, me, r) => s.room.media.createTransport(me, r.direction));
export const connectTransport = asActor<'media.connectTransport'>(async (s, me, r) => {
  await s.room.media.connectTransport(me, r.transportId, r.dtlsParameters);
  return done;
});
export const produce = asActor<'media.produce'>(async (s, me, r) => ({
  producerId: await s.room.produce(me, r.transportId, r.kind, r.source, r.rtpParameters),
}));
export const closeProducer = asActor<'media.closeProducer'>((s, me, r) => (s.room.closeProducer(me, r.producerId), done));
export const setProducerPaused = asActor<'media.setProducerPaused'>(async (s, me, r) => {
  await s.room.setProducerPaused(me, r.producerId, r.paused);
  return done;
});
export const consume = asActor<'media.consume'>((s, me, r) => s.room.media.consume(me, r.producerId));
export const resumeConsumer = asActor<'media.resumeConsumer'>(async (s, me, r) => {
  await s.room.media.resumeConsumer(me, r.consumerId);
  return done;
});
