import type { ClientRequestName } from './clientToServer.js';
import type { ServerEventName } from './serverToClient.js';

// Wire fixtures: at least one valid and several malformed payloads for every message, so a message added
// to the contract without fixtures fails the protocol test. Used by unit tests and integration fuzzing.

const opus = { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 };
const dtls = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] };

export const VALID_REQUESTS: Record<ClientRequestName, unknown[]> = {
  'room.join': [
    { roomId: 'abcdef', displayName: 'Ann' },
    { roomId: 'Zz_-0123456789abcdef', displayName: 'Zoë 🌱 K.' },
    { roomId: 'a'.repeat(64), displayName: 'x'.repeat(40) },
  ],
  'room.leave': [{}],
  'media.setRtpCapabilities': [{ rtpCapabilities: { codecs: [opus], headerExtensions: [] } }, { rtpCapabilities: {} }],
  'media.createTransport': [{ direction: 'send' }, { direction: 'recv' }],
  'media.connectTransport': [{ transportId: 't1', dtlsParameters: dtls }],
  'media.produce': [
    { transportId: 't1', kind: 'audio', source: 'mic', rtpParameters: { codecs: [opus], encodings: [{ ssrc: 1 }] } },
    { transportId: 't1', kind: 'video', source: 'camera', rtpParameters: { mid: '1', codecs: [], rtcp: { cname: 'x' } } },
  ],
  'media.closeProducer': [{ producerId: 'p1' }],
  'media.setProducerPaused': [{ producerId: 'p1', paused: true }, { producerId: 'p1', paused: false }],
  'media.consume': [{ producerId: 'p-1_2' }],
  'media.resumeConsumer': [{ consumerId: 'c1' }],
};

/** Malformed for every request: not an object, or a key no schema allows. */
export const MALFORMED_FOR_ALL: unknown[] = [null, undefined, 'x', 42, [], true, { __proto__: null, extra: 1 }];

export const INVALID_REQUESTS: Record<ClientRequestName, unknown[]> = {
  'room.join': [
    {},
    { roomId: 'abc', displayName: 'Ann' }, // too short to be unguessable
    { roomId: '../etc', displayName: 'Ann' },
    { roomId: 'abcdef', displayName: '' },
    { roomId: 'abcdef', displayName: '   ' },
    { roomId: 'abcdef', displayName: 'x'.repeat(41) },
    { roomId: 'abcdef', displayName: 'evil\u202Eman' }, // bidi override
    { roomId: 'abcdef', displayName: 'line\nbreak' },
    { roomId: 'abcdef', displayName: 'Ann', role: 'facilitator' },
    { roomId: 'abcdef', displayName: 42 },
  ],
  'room.leave': [{ now: true }],
  'media.setRtpCapabilities': [{}, { rtpCapabilities: { codecs: 'opus' } }, { rtpCapabilities: { codecs: new Array(65).fill({}) } }],
  'media.createTransport': [{}, { direction: 'both' }, { direction: 'send', sctp: true }],
  'media.connectTransport': [
    { transportId: 't1' },
    { transportId: 't1', dtlsParameters: { fingerprints: [] } },
    { transportId: 't 1', dtlsParameters: dtls },
    { transportId: 't1', dtlsParameters: { ...dtls, role: 'master' } },
  ],
  'media.produce': [
    { transportId: 't1', kind: 'audio', source: 'mic' },
    { transportId: 't1', kind: 'text', source: 'mic', rtpParameters: { codecs: [] } },
    { transportId: 't1', kind: 'audio', source: 'screen', rtpParameters: { codecs: [] } },
    { transportId: 't1', kind: 'audio', source: 'mic', rtpParameters: { codecs: [], evil: 1 } },
  ],
  'media.closeProducer': [{}, { producerId: '' }, { producerId: 'x'.repeat(65) }],
  'media.setProducerPaused': [{ producerId: 'p1' }, { producerId: 'p1', paused: 'yes' }],
  'media.consume': [{}, { producerId: 7 }, { producerId: 'p1', rtpCapabilities: {} }],
  'media.resumeConsumer': [{}, { consumerId: null }],
};

export const VALID_EVENTS: Record<ServerEventName, unknown[]> = {
  'peer.joined': [{ id: 'a1', displayName: 'Ann', producers: [] }],
  'peer.left': [{ peerId: 'a1' }],
  'producer.added': [{ id: 'p1', peerId: 'a1', kind: 'audio', source: 'mic', paused: false }],
  'producer.closed': [{ producerId: 'p1', peerId: 'a1' }],
  'producer.paused': [{ producerId: 'p1', peerId: 'a1', paused: true }],
  'consumer.closed': [{ consumerId: 'c1' }],
  'session.closing': [{ code: 'INTERNAL' }],
};
