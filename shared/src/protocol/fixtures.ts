import type { ClientRequestName } from './clientToServer.js';
import type { ServerEventName } from './serverToClient.js';

// Wire fixtures: at least one valid and several malformed payloads for every message, so a message added
// to the contract without fixtures fails the protocol test. Used by unit tests and integration fuzzing.

const opus = { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 };
const dtls = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] };
const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzaWQiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const sid = 'S3ssion_id-0123456789';
const dev = 'device-0123456789abcdef';
const k43 = 'A'.repeat(43);
const e2eeKey = { publicKey: k43, binding: 'B'.repeat(43) };
const n32 = 'N'.repeat(32);
const sig = 'S'.repeat(86);

export const VALID_REQUESTS: Record<ClientRequestName, unknown[]> = {
  'session.join': [
    { sessionId: sid, token: jwt, displayName: 'Ann', deviceId: dev, e2eeKey },
    { sessionId: 'a'.repeat(64), token: jwt, displayName: 'Zoë 🌱 K.', deviceId: 'd'.repeat(64), e2eeKey },
    { sessionId: sid, token: jwt, displayName: 'x'.repeat(40), deviceId: dev, e2eeKey },
    { sessionId: sid, token: jwt, displayName: 'Fay', deviceId: dev, e2eeKey, certificate: sig },
    { sessionId: sid, token: jwt, displayName: 'Ann', deviceId: dev, e2eeKey, rtpCapabilities: { codecs: [opus], headerExtensions: [] } },
    { sessionId: sid, token: jwt, displayName: 'Ann', deviceId: dev, e2eeKey, check: { confirmed: ['private', 'unheard', 'headphones', 'notDriving'], ambient: 'quiet' } },
    { sessionId: sid, token: jwt, displayName: 'Ann', deviceId: dev, e2eeKey, check: { confirmed: [], ambient: 'skipped' } },
  ],
  'member.setCheck': [{ check: { confirmed: ['private'], ambient: 'voices' } }, { check: { confirmed: ['notDriving', 'private'], ambient: 'media' } }],
  'member.setPrivate': [{ private: false }, { private: true }],
  'side.return': [{}],
  'facilitator.stepOut': [{ peerId: 'p1' }],
  'session.leave': [{}, { quickExit: true }, { quickExit: false }],
  'session.capabilities': [{ sessionId: sid }],
  'session.claim': [{ sessionId: sid, token: jwt, deviceId: dev }],
  'session.resume': [{ sessionId: sid, resumeToken: 'R'.repeat(22) }],
  'media.restartIce': [{ transportId: 't1' }],
  'media.reportQuality': [{ level: 'good' }, { level: 'poor', adapted: 'audioOnly' }, { level: 'weak', adapted: 'lowData' }],
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
  'media.setReceiveMode': [{ video: 'full' }, { video: 'low' }, { video: 'off' }],
  'e2ee.distribute': [{ epoch: 1, envelopes: [{ to: 'p1', nonce: n32, box: 'X'.repeat(120) }] }, { epoch: 2, envelopes: [] }],
  'e2ee.ack': [{ epoch: 1, tag: k43 }, { epoch: 0xffffffff, tag: k43 }],
  'chat.send': [{ epoch: 2, nonce: 'n'.repeat(16), ciphertext: 'c'.repeat(40) }],
  'chat.note': [{ notes: [{ to: 'f1', nonce: n32, box: 'b'.repeat(60) }] }],
  'turn.request': [{}],
  'turn.cancel': [{}],
  'turn.pass': [{ turn: 0 }, { turn: 12 }],
  'turn.react': [{ reaction: 'understand' }, { reaction: 'heart' }],
  'facilitator.setTurnMode': [{ mode: 'open' }, { mode: 'stick' }, { mode: 'goaround' }, { mode: 'facilitator' }],
  'facilitator.passStick': [{ peerId: 'p1' }],
  'facilitator.takeStick': [{}],
  'facilitator.extendTurn': [{ seconds: 60 }],
  'facilitator.setTurnLimit': [{ seconds: 0 }, { seconds: 5 }, { seconds: 120 }],
  'facilitator.admit': [{ peerId: 'p1' }, { peerId: 'p1', certificate: sig }],
  'facilitator.admitAll': [{}, { certificates: [{ peerId: 'p1', certificate: sig }] }],
  'facilitator.deny': [{ peerId: 'p1' }, { peerId: 'p1', message: 'Please join next week.' }, { peerId: 'p1', message: '' }],
  'facilitator.mute': [{ peerId: 'p1' }],
  'facilitator.askUnmute': [{ peerId: 'p1' }],
  'facilitator.muteAll': [{}],
  'facilitator.stopCamera': [{ peerId: 'p1' }],
  'facilitator.allowCamera': [{ peerId: 'p1' }],
  'facilitator.setLowData': [{ peerId: 'p1', lowData: true }, { peerId: 'p1', lowData: false }],
  'facilitator.remove': [{ peerId: 'p1' }, { peerId: 'p1', message: 'x'.repeat(300) }, { peerId: 'p1', revocation: sig }],
  'facilitator.lock': [{ locked: true }, { locked: false }],
  'facilitator.end': [{}],
  'facilitator.createInvite': [
    { role: 'member', maxUses: 1, ttlMinutes: 60 },
    { role: 'cofacilitator', maxUses: 50, ttlMinutes: 10080 },
  ],
  'facilitator.revokeInvite': [{ inviteId: 'inv_1' }],
};

/** Malformed for every request: not an object, or a key no schema allows. */
export const MALFORMED_FOR_ALL: unknown[] = [null, undefined, 'x', 42, [], true, { __proto__: null, extra: 1 }];

export const INVALID_REQUESTS: Record<ClientRequestName, unknown[]> = {
  'session.join': [
    {},
    { sessionId: 'short', token: jwt, displayName: 'Ann', deviceId: dev }, // too short to be unguessable
    { sessionId: '../etc/passwd/abcdefgh', token: jwt, displayName: 'Ann', deviceId: dev },
    { sessionId: sid, token: 'not-a-jwt', displayName: 'Ann', deviceId: dev },
    { sessionId: sid, token: `${jwt}.extra`, displayName: 'Ann', deviceId: dev },
    { sessionId: sid, token: jwt, displayName: '', deviceId: dev },
    { sessionId: sid, token: jwt, displayName: '   ', deviceId: dev },
    { sessionId: sid, token: jwt, displayName: 'x'.repeat(41), deviceId: dev },
    { sessionId: sid, token: jwt, displayName: 'evil\u202Eman', deviceId: dev }, // bidi override
    { sessionId: sid, token: jwt, displayName: 'line\nbreak', deviceId: dev },
    { sessionId: sid, token: jwt, displayName: 'Ann', deviceId: 'short' },
    { sessionId: sid, token: jwt, displayName: 'Ann', deviceId: dev, e2eeKey, role: 'facilitator' }, // identity is the token's
    { sessionId: sid, token: jwt, displayName: 'Ann', deviceId: dev }, // no key: no unencrypted member
    { sessionId: sid, token: jwt, displayName: 'Ann', deviceId: dev, e2eeKey: { publicKey: 'short', binding: 'B'.repeat(43) } },
    { sessionId: sid, token: jwt, displayName: 42, deviceId: dev },
    { sessionId: sid, token: jwt, displayName: 'Ann', deviceId: dev, e2eeKey, check: { confirmed: ['private', 'private'], ambient: 'quiet' } },
    { sessionId: sid, token: jwt, displayName: 'Ann', deviceId: dev, e2eeKey, check: { confirmed: ['alone'], ambient: 'quiet' } },
    { sessionId: sid, token: jwt, displayName: 'Ann', deviceId: dev, e2eeKey, check: { confirmed: [], ambient: 'loud' } },
    { sessionId: sid, token: jwt, displayName: 'Ann', deviceId: dev, e2eeKey, check: { confirmed: [], ambient: 'quiet', audio: 'AAAA' } },
  ],
  'member.setCheck': [{}, { check: {} }, { check: { confirmed: 'private', ambient: 'quiet' } }, { check: { confirmed: [], ambient: 'quiet' }, level: -3 }],
  'member.setPrivate': [{}, { private: 'no' }, { private: false, note: 'x' }],
  'side.return': [{ peerId: 'p1' }],
  'facilitator.stepOut': [{}, { peerId: '' }, { peerId: 'p 1' }, { peerId: 'p1', room: 'r1' }],
  'session.leave': [{ now: true }, { quickExit: 'yes' }],
  'session.capabilities': [{}, { sessionId: 'short' }, { sessionId: sid, token: jwt }],
  'session.claim': [
    {}, { sessionId: sid, token: jwt }, { sessionId: sid, deviceId: dev }, { sessionId: sid, token: 'not-a-jwt', deviceId: dev },
    { sessionId: sid, token: jwt, deviceId: 'short' }, { sessionId: sid, token: jwt, deviceId: dev, displayName: 'Ann' },
  ],
  'session.resume': [{}, { sessionId: sid }, { sessionId: sid, resumeToken: 'R'.repeat(21) }, { sessionId: sid, resumeToken: 'R'.repeat(21) + '!' }, { sessionId: sid, resumeToken: 'R'.repeat(22), memberId: 'a1' }],
  'media.restartIce': [{}, { transportId: '' }, { transportId: 't1', iceParameters: {} }],
  'media.reportQuality': [{}, { level: 'terrible' }, { level: 'poor', adapted: 'offline' }, { level: 'good', rttMs: 30 }],
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
  'media.setReceiveMode': [{}, { video: 'none' }, { video: true }, { video: 'off', audio: 'off' }],
  'e2ee.distribute': [
    { epoch: 0, envelopes: [{ to: 'p1', nonce: n32, box: 'X'.repeat(120) }] },
    { epoch: 1 },
    { epoch: 1, envelopes: [{ to: 'p1', nonce: n32, box: 'X'.repeat(257) }] },
    { epoch: 1, envelopes: [{ to: 'p1', nonce: 'short', box: 'X'.repeat(120) }] },
    { epoch: 1, envelopes: [{ to: 'p1', nonce: n32, box: 'not base64!' }] },
  ],
  'e2ee.ack': [{}, { epoch: 1 }, { epoch: -1, tag: k43 }, { epoch: 1.5, tag: k43 }, { epoch: 1, tag: 'short' }],
  'chat.send': [{ epoch: 2, text: 'plaintext never travels' }, { epoch: 2, nonce: 'n'.repeat(16), ciphertext: 'c'.repeat(8193) }],
  'chat.note': [{ notes: [] }, { notes: [{ to: 'f1', text: 'hi' }] }],
  'turn.request': [{ for: 'p2' }],
  'turn.cancel': [{ id: 'p1' }],
  'turn.pass': [{}, { turn: -1 }, { turn: 1, to: 'p2' }],
  'turn.react': [{}, { reaction: 'applause' }, { reaction: 'heart', sound: true }],
  'facilitator.setTurnMode': [{}, { mode: 'chaos' }],
  'facilitator.passStick': [{}, { peerId: 5 }],
  'facilitator.takeStick': [{ peerId: 'p1' }],
  'facilitator.extendTurn': [{}, { seconds: 5 }, { seconds: 601 }],
  'facilitator.setTurnLimit': [{}, { seconds: 3 }, { seconds: 1801 }, { seconds: -1 }],
  'facilitator.admit': [{}, { peerId: '' }, { peerId: 'p1', all: true }, { peerId: 'p1', certificate: 'S'.repeat(85) }],
  'facilitator.admitAll': [{ peerId: 'p1' }, { certificates: [{ peerId: 'p1' }] }],
  'facilitator.deny': [{}, { peerId: 'p1', message: 'x'.repeat(301) }, { peerId: 'p1', message: 3 }],
  'facilitator.mute': [{}, { peerId: 'p 1' }],
  'facilitator.askUnmute': [{}, { peerId: ['p1'] }],
  'facilitator.muteAll': [{ except: 'p1' }],
  'facilitator.stopCamera': [{}, { peerId: 1 }],
  'facilitator.allowCamera': [{}],
  'facilitator.setLowData': [{ peerId: 'p1' }, { lowData: true }, { peerId: 'p1', lowData: 'yes' }, { peerId: 'p1', lowData: true, video: 'off' }],
  'facilitator.remove': [{}, { peerId: 'p1', message: 'x'.repeat(301) }, { peerId: 'p1', ban: 'forever' }],
  'facilitator.lock': [{}, { locked: 'yes' }],
  'facilitator.end': [{ reason: 'x' }],
  'facilitator.createInvite': [
    {},
    { role: 'admin', maxUses: 1, ttlMinutes: 60 },
    { role: 'member', maxUses: 0, ttlMinutes: 60 },
    { role: 'member', maxUses: 51, ttlMinutes: 60 },
    { role: 'member', maxUses: 1, ttlMinutes: 10081 },
    { role: 'member', maxUses: 1.5, ttlMinutes: 60 },
  ],
  'facilitator.revokeInvite': [{}, { inviteId: '' }],
};

const peer = { id: 'a1', displayName: 'Ann', role: 'member', seq: 2, e2eeKey: { publicKey: 'A'.repeat(43), binding: 'B'.repeat(43) }, producers: [] };
const self = { ...peer, id: 's1', seq: 3, certificate: 'S'.repeat(86) };
export const VALID_EVENTS: Record<ServerEventName, unknown[]> = {
  'session.admitted': [
    { routerRtpCapabilities: { codecs: [] }, peers: [peer], self, keyEpoch: 4, revocations: [] },
    { routerRtpCapabilities: {}, peers: [], self, keyEpoch: 0, revocations: [{ peerId: 'r1', publicKey: 'A'.repeat(43), revocation: 'S'.repeat(86) }] },
    { routerRtpCapabilities: {}, peers: [{ ...peer, away: true }], self, keyEpoch: 2, revocations: [], resume: { token: 'R'.repeat(22), graceMs: 60000 }, mediaGeneration: 2 },
    {
      routerRtpCapabilities: {}, peers: [], self, keyEpoch: 0, revocations: [],
      iceServers: [{ urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:443?transport=tcp'], username: '1795490000:AbCdEfGhIjKl', credential: 'q3Zb0vJ1f2x8mYk5Lw9cTnR4sUo=' }],
    },
    {
      routerRtpCapabilities: {}, peers: [peer], self, keyEpoch: 1, revocations: [],
      prepared: {
        send: { id: 't1', iceParameters: {}, iceCandidates: [], dtlsParameters: {} },
        recv: { id: 't2', iceParameters: {}, iceCandidates: [{}], dtlsParameters: {} },
        consumers: [{ consumerId: 'c1', producerId: 'p1', peerId: 'a1', kind: 'audio', source: 'mic', rtpParameters: {}, producerPaused: false }],
      },
    },
  ],
  'session.closing': [{ code: 'INTERNAL' }, { code: 'REMOVED', message: 'We will talk tomorrow.' }],
  'self.updated': [{ micLocked: true, cameraLocked: false, askedToUnmute: false }],
  'facilitator.roster': [{
    locked: false,
    waiting: [{ id: 'w1', displayName: 'Wes', e2eeKey: { publicKey: 'A'.repeat(43), binding: 'B'.repeat(43) } }],
    members: [
      { id: 'a1', displayName: 'Ann', role: 'facilitator', mic: 'on', camera: 'none', micLocked: false, cameraLocked: false, quality: 'good', away: false, video: 'low', link: { level: 'weak', adapted: 'lowData' }, notPrivate: false },
      { id: 'b1', displayName: 'Ben', role: 'member', mic: 'off', camera: 'off', micLocked: false, cameraLocked: false, quality: 'good', away: false, video: 'full', notPrivate: true, side: 'a1', check: { confirmed: ['private'], ambient: 'voices' } },
    ],
    audit: [{ at: '2026-11-23T10:00:00.000Z', actor: 'Ann (facilitator)', action: 'admitted', target: 'Wes' }],
  }],
  'peer.joined': [peer],
  'peer.left': [{ peerId: 'a1' }, { peerId: 'a1', revocation: 'S'.repeat(86) }],
  'peer.away': [{ peerId: 'a1', away: true }, { peerId: 'a1', away: false }],
  'peer.space': [{ peerId: 'a1', apart: true }, { peerId: 'a1', apart: false }],
  'side.state': [{ room: 'r1', with: 'a1' }, {}],
  'producer.added': [{ id: 'p1', peerId: 'a1', kind: 'audio', source: 'mic', paused: false }],
  'producer.closed': [{ producerId: 'p1', peerId: 'a1' }],
  'producer.paused': [{ producerId: 'p1', peerId: 'a1', paused: true }],
  'media.videoMode': [{ video: 'low', byFacilitator: true }, { video: 'full', byFacilitator: false }],
  'media.restart': [{ routerRtpCapabilities: { codecs: [] }, generation: 1 }],
  'consumer.closed': [{ consumerId: 'c1' }],
  'turn.state': [
    { mode: 'stick', holder: 'a1', queue: ['b1'], order: [], limitMs: 120000, endsAt: 5000, warnAt: 2000, turn: 3, serverNow: 1000 },
    { mode: 'open', holder: null, queue: [], order: [], limitMs: null, endsAt: null, warnAt: null, turn: 0, serverNow: 0 },
  ],
  'turn.reaction': [{ from: 'a1', reaction: 'metoo' }],
  'e2ee.key': [{ from: 'f1', epoch: 3, nonce: 'N'.repeat(32), box: 'X'.repeat(120) }],
  'e2ee.acked': [{ peerId: 'a1', epoch: 3, tag: 'T'.repeat(43) }],
  'chat.message': [{ from: 'a1', epoch: 3, nonce: 'n'.repeat(16), ciphertext: 'c'.repeat(40) }],
  'chat.note': [{ from: 'a1', nonce: 'N'.repeat(32), box: 'b'.repeat(60) }],
};
