import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOT_RTP } from '../support/Bot.js';
import { closeCircle, openFastCircle, type Circle } from '../support/circle.js';
import { admit, readyToReceive, sendBoth } from '../support/media.js';
import { eventually, type FastServer } from '../support/server.js';

// The circle and its media signaling on the in-memory media port: snapshots, producers, consumers, leaving.
// The same media steps against real mediasoup objects: tests/integration/room.test.ts (the door's tests are in
// fast/admission.test.ts).

let server: FastServer;
const mediaTotals = () => server.media.totals();
let circle: Circle;
const join = (name: string) => admit(circle, name);

beforeEach(async () => {
  ({ server, circle } = await openFastCircle());
});
afterEach(() => closeCircle({ server, circle }));

const fay = () => ({
  id: circle.facilitator.selfId, displayName: 'Fay', role: 'facilitator', seq: 1, e2eeKey: circle.facilitator.key.wire,
  certificate: circle.certify(circle.facilitator), producers: [],
});

describe('joining', () => {
  it('the first member gets the router capabilities and a snapshot with the facilitator', async () => {
    const a = await join('Ann');
    expect(a.selfId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(a.peers).toEqual([fay()]);
    expect(a.self).toEqual({ id: a.selfId, displayName: 'Ann', role: 'member', seq: 2, e2eeKey: a.key, certificate: expect.any(String), producers: [] });
    const caps = a.routerRtpCapabilities as { codecs: { mimeType: string }[] };
    expect(caps.codecs.map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8']));
  });

  it('a second member sees the first in the snapshot, and the first is told of the second', async () => {
    const a = await join('Ann');
    const b = await join('Ben');
    expect(b.peers).toEqual([fay(), a.self]);
    expect(a.self).toMatchObject({ id: a.selfId, displayName: 'Ann', role: 'member', seq: 2, e2eeKey: a.key });
    expect(await a.bot.waitFor('peer.joined')).toEqual({ ...b.self, id: b.selfId, displayName: 'Ben', role: 'member', seq: 3, e2eeKey: b.key });
    expect(b.bot.eventsOf('peer.joined')).toEqual([]);
  });
});

describe('media', () => {
  it('produce and consume create the right mediasoup objects; consumers start paused until resumed', async () => {
    const a = await join('Ann');
    const b = await join('Ben');
    const sent = await sendBoth(a.bot);
    const added = [await b.bot.waitFor('producer.added', (p) => p.id === sent.audio), await b.bot.waitFor('producer.added', (p) => p.id === sent.video)];
    expect(added).toEqual([
      { id: sent.audio, peerId: a.selfId, kind: 'audio', source: 'mic', paused: false },
      { id: sent.video, peerId: a.selfId, kind: 'video', source: 'camera', paused: false },
    ]);
    await readyToReceive(b.bot, b.routerRtpCapabilities);
    const ca = await b.bot.ok('media.consume', { producerId: sent.audio });
    const cv = await b.bot.ok('media.consume', { producerId: sent.video });
    expect(ca).toMatchObject({ producerId: sent.audio, peerId: a.selfId, kind: 'audio', source: 'mic', producerPaused: false });
    expect(cv).toMatchObject({ producerId: sent.video, kind: 'video', source: 'camera' });
    expect(await mediaTotals()).toEqual({ sessions: 1, transports: 2, producers: 2, consumers: 2, pausedConsumers: 2 });
    await b.bot.ok('media.resumeConsumer', { consumerId: ca.consumerId });
    await b.bot.ok('media.resumeConsumer', { consumerId: cv.consumerId });
    expect((await mediaTotals()).pausedConsumers).toBe(0);
  });

  it('a newcomer finds existing producers in the snapshot', async () => {
    const a = await join('Ann');
    const sent = await sendBoth(a.bot);
    const b = await join('Ben');
    expect(b.peers.find((p) => p.id === a.selfId)?.producers.map((p) => p.id).sort()).toEqual([sent.audio, sent.video].sort());
  });

  it('mute is announced to others and pauses the producer', async () => {
    const a = await join('Ann');
    const b = await join('Ben');
    const sent = await sendBoth(a.bot);
    await a.bot.ok('media.setProducerPaused', { producerId: sent.audio, paused: true });
    expect(await b.bot.waitFor('producer.paused')).toEqual({ producerId: sent.audio, peerId: a.selfId, paused: true });
    const c = await join('Cal');
    expect(c.peers.find((p) => p.id === a.selfId)?.producers.find((p) => p.id === sent.audio)?.paused).toBe(true);
  });

  it('closing a producer closes its consumers and tells their owners', async () => {
    const a = await join('Ann');
    const b = await join('Ben');
    const sent = await sendBoth(a.bot);
    await readyToReceive(b.bot, b.routerRtpCapabilities);
    const cv = await b.bot.ok('media.consume', { producerId: sent.video });
    await a.bot.ok('media.closeProducer', { producerId: sent.video });
    expect(await b.bot.waitFor('producer.closed')).toEqual({ producerId: sent.video, peerId: a.selfId });
    expect(await b.bot.waitFor('consumer.closed')).toEqual({ consumerId: cv.consumerId });
    expect(await mediaTotals()).toMatchObject({ producers: 1, consumers: 0 });
  });
});

describe('leaving', () => {
  for (const how of ['session.leave', 'disconnect'] as const) {
    it(`${how} closes every transport, producer and consumer of the member`, async () => {
      const a = await join('Ann');
      const b = await join('Ben');
      const sentA = await sendBoth(a.bot);
      const sentB = await sendBoth(b.bot);
      await readyToReceive(a.bot, a.routerRtpCapabilities);
      await readyToReceive(b.bot, b.routerRtpCapabilities);
      for (const p of [sentB.audio, sentB.video]) await a.bot.ok('media.consume', { producerId: p });
      for (const p of [sentA.audio, sentA.video]) await b.bot.ok('media.consume', { producerId: p });
      expect(await mediaTotals()).toMatchObject({ transports: 4, producers: 4, consumers: 4 });

      if (how === 'session.leave') await a.bot.ok('session.leave', {});
      else a.bot.close();
      expect(await b.bot.waitFor('peer.left')).toEqual({ peerId: a.selfId });
      await eventually(async () => (await mediaTotals()).consumers === 0, 3000, 'consumers of Ann closed');
      expect(await mediaTotals()).toEqual({ sessions: 1, transports: 2, producers: 2, consumers: 0, pausedConsumers: 0 });
      // The media closes consumers at once but tells their owners a moment later (as mediasoup does).
      await eventually(() => b.bot.eventsOf('consumer.closed').length === 2, 3000, 'Ben told of both consumers');

      b.bot.close();
      await eventually(async () => (await mediaTotals()).transports === 0, 3000, 'all transports closed');
      expect(await mediaTotals()).toMatchObject({ sessions: 1, producers: 0, consumers: 0 });
    });
  }
});

describe('what the media port refuses (the same codes as MediaRoom)', () => {
  it('unknown ids, wrong directions, repeats and a consume before the capabilities', async () => {
    const a = await join('Ann');
    const b = await join('Ben');
    const sent = await sendBoth(a.bot);
    const code = async (p: Promise<{ ok: boolean; code?: string }>) => ((r) => (r.ok ? 'ok' : r.code))(await p);
    expect(await code(a.bot.request('media.createTransport', { direction: 'send' }))).toBe('INVALID_STATE');
    expect(await code(a.bot.request('media.produce', { transportId: sent.transportId, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio }))).toBe('INVALID_STATE');
    expect(await code(a.bot.request('media.produce', { transportId: sent.transportId, kind: 'video', source: 'mic', rtpParameters: BOT_RTP.video }))).toBe('BAD_MESSAGE');
    expect(await code(a.bot.request('media.produce', { transportId: 'nope', kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio }))).toBe('NOT_FOUND');
    expect(await code(a.bot.request('media.closeProducer', { producerId: 'nope' }))).toBe('NOT_FOUND');
    expect(await code(a.bot.request('media.setProducerPaused', { producerId: 'nope', paused: true }))).toBe('NOT_FOUND');
    expect(await code(b.bot.request('media.consume', { producerId: sent.audio }))).toBe('INVALID_STATE'); // no capabilities yet
    await b.bot.ok('media.setRtpCapabilities', { rtpCapabilities: b.routerRtpCapabilities });
    expect(await code(b.bot.request('media.consume', { producerId: sent.audio }))).toBe('INVALID_STATE'); // no recv transport
    const recv = await b.bot.ok('media.createTransport', { direction: 'recv' });
    expect(await code(b.bot.request('media.produce', { transportId: recv.id, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio }))).toBe('INVALID_STATE');
    expect(await code(b.bot.request('media.consume', { producerId: 'nope' }))).toBe('NOT_FOUND');
    await b.bot.ok('media.consume', { producerId: sent.audio });
    expect(await code(b.bot.request('media.consume', { producerId: sent.audio }))).toBe('INVALID_STATE'); // one per producer
    expect(await code(b.bot.request('media.resumeConsumer', { consumerId: 'nope' }))).toBe('NOT_FOUND');
    await a.bot.ok('media.setRtpCapabilities', { rtpCapabilities: a.routerRtpCapabilities });
    await a.bot.ok('media.createTransport', { direction: 'recv' });
    expect(await code(a.bot.request('media.consume', { producerId: sent.audio }))).toBe('NOT_FOUND'); // its own
    expect(await mediaTotals()).toMatchObject({ transports: 3, producers: 2, consumers: 1 });
  });
});
