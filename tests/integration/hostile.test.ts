import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_REQUEST_NAMES, ErrorCode, ERROR_CODES, PROTOCOL_VERSION } from '@hearth/shared';
import { INVALID_REQUESTS, MALFORMED_FOR_ALL } from '../../shared/src/protocol/fixtures.js';
import { Bot, BOT_RTP } from '../support/Bot.js';
import { ANY_KEY, closeCircle, openCircle, type Circle } from '../support/circle.js';
import { eventually, mediaTotals, type TestServer } from '../support/server.js';
import { PollingClient } from '../support/polling.js';

let server: TestServer;
let circle: Circle;

async function connect() {
  return circle.connect();
}

/** Ann and Ben in a working call: Ann sends audio, Ben receives it. The victims of every attack below. */
async function workingPair() {
  const a = await circle.member('Ann');
  const b = await circle.member('Ben');
  const t = await a.bot.ok('media.createTransport', { direction: 'send' });
  const p = await a.bot.ok('media.produce', { transportId: t.id, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio });
  await b.bot.ok('media.setRtpCapabilities', { rtpCapabilities: b.room.routerRtpCapabilities });
  await b.bot.ok('media.createTransport', { direction: 'recv' });
  return { ann: a.bot, ben: b.bot, annId: a.selfId, producerId: p.producerId, sendTransportId: t.id, caps: a.room.routerRtpCapabilities };
}

let probes = 0;
/** The pair still works: Ben can consume Ann's audio, and Ann hears of newcomers. */
async function stillWorks(pair: Awaited<ReturnType<typeof workingPair>>) {
  const c = await pair.ben.ok('media.consume', { producerId: pair.producerId });
  expect(c.peerId).toBe(pair.annId);
  await pair.ben.ok('media.resumeConsumer', { consumerId: c.consumerId });
  const name = `Probe${++probes}`;
  await circle.member(name);
  await pair.ann.waitFor('peer.joined', (p) => p.displayName === name);
}

beforeEach(async () => {
  ({ server, circle } = await openCircle({}, { rateLimit: { burst: 1000, perSecond: 1000 } }));
});
afterEach(() => closeCircle({ server, circle }));

describe('malformed messages', () => {
  it('every malformed fixture of every request gets BAD_MESSAGE, changing nothing', async () => {
    const pair = await workingPair();
    const before = await mediaTotals(server.app);
    for (const name of CLIENT_REQUEST_NAMES) {
      for (const payload of [...MALFORMED_FOR_ALL.filter((p) => p !== undefined), ...INVALID_REQUESTS[name]]) {
        const ack = await pair.ann.raw(name, payload);
        expect(ack, `${name} ${JSON.stringify(payload)}`).toMatchObject({ ok: false, code: ErrorCode.BAD_MESSAGE });
      }
    }
    expect(await mediaTotals(server.app)).toEqual(before);
    await stillWorks(pair);
  });

  it('random payloads (seeded fuzzing) only ever get typed answers, and the room survives', async () => {
    const pair = await workingPair();
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.2) return [null, true, 0, -1, 1e308, '', 'x'.repeat(Math.floor(rnd() * 100)), 'p1'][Math.floor(rnd() * 8)];
      if (r < 0.5) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
      const keys = ['roomId', 'displayName', 'direction', 'transportId', 'producerId', 'consumerId', 'kind', 'source',
        'rtpParameters', 'dtlsParameters', 'rtpCapabilities', 'paused', 'codecs', '__proto__', 'constructor'];
      return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 5) }, () => [keys[Math.floor(rnd() * keys.length)]!, value(depth + 1)]));
    };
    // A third member fuzzes (it may well leave or rejoin by chance); Ann and Ben are the bystanders.
    const mallory = (await circle.member('Mallory')).bot;
    for (let i = 0; i < 400; i++) {
      const name = CLIENT_REQUEST_NAMES[i % CLIENT_REQUEST_NAMES.length]!;
      const ack = await mallory.raw(name, value(0));
      expect(ack.ok === true || ERROR_CODES.includes(ack.code), JSON.stringify(ack)).toBe(true);
      if (!ack.ok) expect(ack.code).not.toBe(ErrorCode.INTERNAL);
    }
    await stillWorks(pair);
  });

  it('RTP parameters mediasoup cannot use get MEDIA_REJECTED', async () => {
    const pair = await workingPair();
    const ack = await pair.ann.request('media.produce', {
      transportId: pair.sendTransportId, kind: 'video', source: 'camera',
      rtpParameters: { codecs: [{ mimeType: 'video/AV2', payloadType: 99, clockRate: 90000 }], encodings: [{ ssrc: 5 }] },
    });
    expect(ack).toMatchObject({ ok: false, code: ErrorCode.MEDIA_REJECTED });
    await stillWorks(pair);
  });
});

describe('out-of-order and foreign references', () => {
  it('media requests before joining get INVALID_STATE', async () => {
    const pair = await workingPair();
    const stranger = await connect();
    expect(await stranger.request('media.createTransport', { direction: 'send' })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(await stranger.request('media.consume', { producerId: pair.producerId })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(await stranger.request('session.leave', {})).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    await stillWorks(pair);
  });

  it('a second join, a second send transport, a second mic, and consuming before capabilities are refused', async () => {
    const pair = await workingPair();
    expect(await pair.ann.request('session.join', {
      sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: 'Ann2', deviceId: 'another-device-012345', e2eeKey: ANY_KEY,
    })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(await pair.ann.request('media.createTransport', { direction: 'send' })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(await pair.ann.request('media.produce', {
      transportId: pair.sendTransportId, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio,
    })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(await pair.ann.request('media.consume', { producerId: pair.producerId })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    await stillWorks(pair);
  });

  it('50 consumes of one producer make one consumer: the repeats are INVALID_STATE', async () => {
    const pair = await workingPair();
    const acks = [];
    for (let i = 0; i < 50; i++) acks.push(await pair.ben.request('media.consume', { producerId: pair.producerId }));
    expect(acks.filter((a) => a.ok)).toHaveLength(1);
    expect(acks.filter((a) => !a.ok).map((a) => !a.ok && a.code)).toEqual(new Array(49).fill('INVALID_STATE'));
    expect(await mediaTotals(server.app)).toMatchObject({ producers: 1, consumers: 1 });
  });

  it("one member cannot touch another's transports or producers, nor consume itself", async () => {
    const pair = await workingPair();
    const { ben, producerId, sendTransportId } = pair;
    expect(await ben.request('media.setProducerPaused', { producerId, paused: true })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await ben.request('media.closeProducer', { producerId })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await ben.request('media.connectTransport', {
      transportId: sendTransportId, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] },
    })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await ben.request('media.produce', {
      transportId: sendTransportId, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio,
    })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await pair.ann.request('media.resumeConsumer', { consumerId: 'nope' })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    await pair.ann.ok('media.setRtpCapabilities', { rtpCapabilities: pair.caps });
    await pair.ann.ok('media.createTransport', { direction: 'recv' });
    expect(await pair.ann.request('media.consume', { producerId })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await mediaTotals(server.app)).toMatchObject({ producers: 1, consumers: 0 });
    await stillWorks(pair);
  });
});

describe('racing joins', () => {
  it('two session.join in one long-polling POST: exactly one succeeds, and no ghost stays after the socket closes', async () => {
    const pair = await workingPair();
    const session = server.app.sessions.get(circle.session.sessionId)!;
    const before = session.size;
    const client = await PollingClient.open(server.url, { protocolVersion: PROTOCOL_VERSION });
    const join = (name: string) => ({
      sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: name, deviceId: `${name}-device-0123456789`, e2eeKey: ANY_KEY,
    });
    const acks = await client.requests([['session.join', join('Twin1')], ['session.join', join('Twin2')]]);
    expect(acks.filter((a) => a.ok)).toHaveLength(1);
    expect(acks.find((a) => !a.ok)).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    await client.close();
    await eventually(() => session.size === before, 3000, 'the joined twin left with its socket');
    expect(session.roster().waiting).toEqual([]);
    await stillWorks(pair);
  });
});

describe('protocol violations', () => {
  it('an unknown event disconnects the sender only', async () => {
    const pair = await workingPair();
    const evil = (await circle.member('Evil')).bot;
    const gone = evil.disconnected();
    evil.socket.emit('admin.deleteEverything', {}, () => undefined);
    await gone;
    await pair.ann.waitFor('peer.left');
    await stillWorks(pair);
  });

  it('a request without an ack callback disconnects the sender only', async () => {
    const pair = await workingPair();
    const evil = await connect();
    const gone = evil.disconnected();
    evil.socket.emit('session.join', {
      sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: 'NoAck', deviceId: 'noack-device-0123456', e2eeKey: ANY_KEY,
    });
    await gone;
    expect(circle.server.app.sessions.list()[0]!.roster().waiting.map((w) => w.displayName)).not.toContain('NoAck');
    await stillWorks(pair);
  });

  it('a wrong protocol version is refused at the handshake with a named reason', async () => {
    await expect(Bot.connect(server.url, { protocolVersion: 999 })).rejects.toThrow('PROTOCOL_VERSION_MISMATCH');
    await expect(Bot.connect(server.url, {})).rejects.toThrow('PROTOCOL_VERSION_MISMATCH');
  });

  it('a cross-origin browser page cannot open a socket', async () => {
    const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    const same = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: server.url } });
    expect(same.status).toBe(200);
  });

  it('a message larger than the limit disconnects the sender only', async () => {
    const pair = await workingPair();
    const evil = await connect();
    const gone = evil.disconnected();
    evil.socket.emit('session.join', { sessionId: circle.session.sessionId, displayName: 'x'.repeat(200_000) }, () => undefined);
    await gone;
    await stillWorks(pair);
  });
});

describe('rate limiting', () => {
  it('a flood gets RATE_LIMITED answers and does not disturb others', async () => {
    await closeCircle({ server, circle });
    ({ server, circle } = await openCircle({}, { rateLimit: { burst: 20, perSecond: 5 } }));
    const pair = await workingPair();
    const flood = await connect();
    const acks = await Promise.all(Array.from({ length: 100 }, () => flood.raw('media.createTransport', { direction: 'send' })));
    const limited = acks.filter((a) => !a.ok && a.code === 'RATE_LIMITED').length;
    expect(limited).toBeGreaterThanOrEqual(75);
    await stillWorks(pair);
  });
});
