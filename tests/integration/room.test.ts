import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bot, BOT_RTP } from '../support/Bot.js';
import { eventually, mediaTotals, startServer, type TestServer } from '../support/server.js';

let server: TestServer;
const bots: Bot[] = [];
const ROOM = 'integration-room';

async function join(name: string, roomId = ROOM) {
  const bot = await Bot.connect(server.url);
  bots.push(bot);
  const joined = await bot.ok('room.join', { roomId, displayName: name });
  return { bot, ...joined };
}

async function sendBoth(bot: Bot) {
  const t = await bot.ok('media.createTransport', { direction: 'send' });
  const audio = await bot.ok('media.produce', { transportId: t.id, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio });
  const video = await bot.ok('media.produce', { transportId: t.id, kind: 'video', source: 'camera', rtpParameters: BOT_RTP.video });
  return { transportId: t.id, audio: audio.producerId, video: video.producerId };
}

async function readyToReceive(bot: Bot, caps: Record<string, unknown>) {
  await bot.ok('media.setRtpCapabilities', { rtpCapabilities: caps });
  return bot.ok('media.createTransport', { direction: 'recv' });
}

beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  for (const b of bots.splice(0)) b.close();
  await server.close();
});

describe('joining', () => {
  it('the first member gets the router capabilities and an empty snapshot', async () => {
    const a = await join('Ann');
    expect(a.selfId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(a.peers).toEqual([]);
    const caps = a.routerRtpCapabilities as { codecs: { mimeType: string }[] };
    expect(caps.codecs.map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8']));
  });

  it('a second member sees the first in the snapshot, and the first is told of the second', async () => {
    const a = await join('Ann');
    const b = await join('Ben');
    expect(b.peers).toEqual([{ id: a.selfId, displayName: 'Ann', producers: [] }]);
    expect(await a.bot.waitFor('peer.joined')).toEqual({ id: b.selfId, displayName: 'Ben', producers: [] });
    expect(b.bot.eventsOf('peer.joined')).toEqual([]);
  });

  it('display names are trimmed, and members of other groups are invisible', async () => {
    const a = await join('  Ann  ');
    const other = await join('Zed', 'another-room');
    const b = await join('Ben');
    expect(b.peers.map((p) => p.displayName)).toEqual(['Ann']);
    expect(other.peers).toEqual([]);
    expect(a.bot.eventsOf('peer.joined').map((p) => p.displayName)).toEqual(['Ben']);
  });

  it('a full group refuses with ROOM_FULL and keeps its members', async () => {
    await server.close();
    server = await startServer({ rooms: { maxPeers: 2 } });
    const a = await join('Ann');
    await join('Ben');
    const c = await Bot.connect(server.url);
    bots.push(c);
    expect(await c.request('room.join', { roomId: ROOM, displayName: 'Cal' })).toMatchObject({ ok: false, code: 'ROOM_FULL' });
    expect(a.bot.eventsOf('peer.joined')).toHaveLength(1);
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
    expect(await mediaTotals(server.app)).toEqual({ rooms: 1, transports: 2, producers: 2, consumers: 2, pausedConsumers: 2 });
    await b.bot.ok('media.resumeConsumer', { consumerId: ca.consumerId });
    await b.bot.ok('media.resumeConsumer', { consumerId: cv.consumerId });
    expect((await mediaTotals(server.app)).pausedConsumers).toBe(0);
  });

  it('a newcomer finds existing producers in the snapshot', async () => {
    const a = await join('Ann');
    const sent = await sendBoth(a.bot);
    const b = await join('Ben');
    expect(b.peers[0]?.producers.map((p) => p.id).sort()).toEqual([sent.audio, sent.video].sort());
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
    expect(await mediaTotals(server.app)).toMatchObject({ producers: 1, consumers: 0 });
  });
});

describe('leaving', () => {
  for (const how of ['room.leave', 'disconnect'] as const) {
    it(`${how} closes every transport, producer and consumer of the member, and the last one frees the room`, async () => {
      const a = await join('Ann');
      const b = await join('Ben');
      const sentA = await sendBoth(a.bot);
      const sentB = await sendBoth(b.bot);
      await readyToReceive(a.bot, a.routerRtpCapabilities);
      await readyToReceive(b.bot, b.routerRtpCapabilities);
      for (const p of [sentB.audio, sentB.video]) await a.bot.ok('media.consume', { producerId: p });
      for (const p of [sentA.audio, sentA.video]) await b.bot.ok('media.consume', { producerId: p });
      expect(await mediaTotals(server.app)).toMatchObject({ transports: 4, producers: 4, consumers: 4 });

      if (how === 'room.leave') await a.bot.ok('room.leave', {});
      else a.bot.close();
      expect(await b.bot.waitFor('peer.left')).toEqual({ peerId: a.selfId });
      await eventually(async () => (await mediaTotals(server.app)).consumers === 0, 3000, 'consumers of Ann closed');
      expect(await mediaTotals(server.app)).toEqual({ rooms: 1, transports: 2, producers: 2, consumers: 0, pausedConsumers: 0 });
      expect(b.bot.eventsOf('consumer.closed')).toHaveLength(2);

      b.bot.close();
      await eventually(async () => (await mediaTotals(server.app)).rooms === 0, 3000, 'room released');
    });
  }

  it('after leaving, the same connection can join again', async () => {
    const a = await join('Ann');
    await a.bot.ok('room.leave', {});
    const again = await a.bot.ok('room.join', { roomId: ROOM, displayName: 'Ann' });
    expect(again.selfId).not.toBe(a.selfId);
  });
});
