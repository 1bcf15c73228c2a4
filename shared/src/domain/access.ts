import type { ClientRequestName } from '../protocol/clientToServer.js';

/**
 * Where a connection stands in a group. `outside`: connected but not in a group; `member`: joined.
 * (Roles such as facilitator refine `member` in a later protocol version.)
 */
export type Standing = 'outside' | 'member';

/** Which standing may send each request. One table, read by the server gateway for every message. */
export const REQUEST_ACCESS: Readonly<Record<ClientRequestName, readonly Standing[]>> = {
  'room.join': ['outside'],
  'room.leave': ['member'],
  'media.setRtpCapabilities': ['member'],
  'media.createTransport': ['member'],
  'media.connectTransport': ['member'],
  'media.produce': ['member'],
  'media.closeProducer': ['member'],
  'media.setProducerPaused': ['member'],
  'media.consume': ['member'],
  'media.resumeConsumer': ['member'],
};

export function mayRequest(standing: Standing, request: ClientRequestName): boolean {
  return REQUEST_ACCESS[request].includes(standing);
}
