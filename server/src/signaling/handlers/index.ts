import type { HandlerTable } from './types.js';
import { join, leave } from './room.js';
import * as media from './media.js';

/** One small handler per request; the gateway looks them up here after parsing and authorizing. */
export const HANDLERS: HandlerTable = {
  'room.join': join,
  'room.leave': leave,
  'media.setRtpCapabilities': media.setRtpCapabilities,
  'media.createTransport': media.createTransport,
  'media.connectTransport': media.connectTransport,
  'media.produce': media.produce,
  'media.closeProducer': media.closeProducer,
  'media.setProducerPaused': media.setProducerPaused,
  'media.consume': media.consume,
  'media.resumeConsumer': media.resumeConsumer,
};
