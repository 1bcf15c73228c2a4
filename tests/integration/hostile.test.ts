import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_REQUEST_NAMES, ErrorCode, ERROR_CODES } from '@hearth/shared';
import { INVALID_REQUESTS, MALFORMED_FOR_ALL } from '../../shared/src/protocol/fixtures.js';
import { Bot, BOT_RTP } from '../support/Bot.js';
import { mediaTotals, startServer, type TestServer } from '../support/server.js';

let server: TestServer;
const bots: Bot[] = [];
const ROOM = 'hostile-room';

async function connect() {
  const bot = await Bot.connect(server.url);
  bots.push(bot);
  return bot;
}

/** Ann and Ben in a working call: Ann sends audio, Ben receives it. The victim of every attack below. */
async function workingPair() {
  const ann = await connect();
  const a = await ann.ok('room.join', { roomId: ROOM, displayName: 'Ann' });
  const ben = await connect();
  const b = await ben.ok('room.join', { roomId: ROOM, displayName: 'Ben' });
  const t = await ann.ok('media.createTransport', { direction: 'send' });
  const p = await ann.ok('media.produce', { transportId: t.id, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio });
  await ben.ok('media.setRtpCapabilities', { rtpCapabilities: b.routerRtpCapabilities });
  await ben.ok('media.createTransport', { direction: 'recv' });
  return { ann, ben, annId: a.selfId, producerId: p.producerId, sendTransportId: t.id };
}

/** The pair still works: Ben can consume Ann's audio, and Ann hears of newcomers. */
async function stillWorks(pair: Awaited<ReturnType<typeof workingPair>>) {
  const c = await pair.ben.ok('media.consume', { producerId: pair.producerId });
  expect(c.peerId).toBe(pair.annId);
  await pair.ben.ok('media.resumeConsumer', { consumerId: c.consumerId });
  const probe = await connect();
  await probe.ok('room.join', { roomId: ROOM, displayName: 'Probe' });
  await pair.ann.waitFor('peer.joined', (p) => p.displayName === 'Probe');
}

beforeEach(async () => {
  server = await startServer({}, { rateLimit: { burst: 1000, perSecond: 1000 } });
});
afterEach(async () => {
  for (const b of bots.splice(0)) b.close();
  await server.close();
});

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
    const mallory = await connect();
    await mallory.ok('room.join', { roomId: ROOM, displayName: 'Mallory' });
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
    expect(await stranger.request('room.leave', {})).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    await stillWorks(pair);
  });

  it('a second join, a second send transport, a second mic, and consuming before capabilities are refused', async () => {
    const pair = await workingPair();
    expect(await pair.ann.request('room.join', { roomId: ROOM, displayName: 'Ann2' })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(await pair.ann.request('media.createTransport', { direction: 'send' })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(await pair.ann.request('media.produce', {
      transportId: pair.sendTransportId, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio,
    })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(await pair.ann.request('media.consume', { producerId: pair.producerId })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    await stillWorks(pair);
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
    await pair.ann.ok('media.setRtpCapabilities', { rtpCapabilities: await mediaCaps() });
    await pair.ann.ok('media.createTransport', { direction: 'recv' });
    expect(await pair.ann.request('media.consume', { producerId })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await mediaTotals(server.app)).toMatchObject({ producers: 1, consumers: 0 });
    await stillWorks(pair);
  });
});

async function mediaCaps(): Promise<Record<string, unknown>> {
  const rooms = await server.app.registry.list();
  return rooms[0]!.media.routerRtpCapabilities as Record<string, unknown>;
}

describe('protocol violations', () => {
  it('an unknown event disconnects the sender only', async () => {
    const pair = await workingPair();
    const evil = await connect();
    await evil.ok('room.join', { roomId: ROOM, displayName: 'Evil' });
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
    evil.socket.emit('room.join', { roomId: ROOM, displayName: 'NoAck' });
    await gone;
    expect(pair.ann.eventsOf('peer.joined').map((p) => p.displayName)).not.toContain('NoAck');
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
    evil.socket.emit('room.join', { roomId: ROOM, displayName: 'x'.repeat(200_000) }, () => undefined);
    await gone;
    await stillWorks(pair);
  });
});

describe('rate limiting', () => {
  it('a flood gets RATE_LIMITED answers and does not disturb others', async () => {
    await server.close();
    server = await startServer({}, { rateLimit: { burst: 20, perSecond: 5 } });
    const pair = await workingPair();
    const flood = await connect();
    const acks = await Promise.all(Array.from({ length: 100 }, () => flood.raw('media.createTransport', { direction: 'send' })));
    const limited = acks.filter((a) => !a.ok && a.code === 'RATE_LIMITED').length;
    expect(limited).toBeGreaterThanOrEqual(75);
    await stillWorks(pair);
  });
});
