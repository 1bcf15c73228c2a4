import { asActor } from './types.js';

// Every media command runs in the session's queue (asActor): a consume can never interleave with the close of
// the producer it names, nor a produce with the member's leave.

export const setRtpCapabilities = asActor<'media.setRtpCapabilities'>((s, me, r) => s.setRtpCapabilities(me, r));
export const createTransport = asActor<'media.createTransport'>((s, me, r) => s.createTransport(me, r));
export const reportQuality = asActor<'media.reportQuality'>((s, me, r) => s.reportQuality(me, r));
export const restartIce = asActor<'media.restartIce'>((s, me, r) => s.restartIce(me, r));
export const connectTransport = asActor<'media.connectTransport'>((s, me, r) => s.connectTransport(me, r));
export const produce = asActor<'media.produce'>((s, me, r) => s.produce(me, r));
export const closeProducer = asActor<'media.closeProducer'>((s, me, r) => s.closeProducer(me, r));
export const setProducerPaused = asActor<'media.setProducerPaused'>((s, me, r) => s.setProducerPaused(me, r));
export const consume = asActor<'media.consume'>((s, me, r) => s.consume(me, r));
export const resumeConsumer = asActor<'media.resumeConsumer'>((s, me, r) => s.resumeConsumer(me, r));
export const setReceiveMode = asActor<'media.setReceiveMode'>((s, me, r) => s.setReceiveMode(me, r));
