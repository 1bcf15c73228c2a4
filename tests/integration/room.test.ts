import { ANY_KEY } from '../support/circle.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOT_RTP, type Bot } from '../support/Bot.js';
import { Circle } from '../support/circle.js';
import { eventually, mediaTotals, startServer, type TestServer } from '../support/server.js';

let server: TestServer;
let circle: Circle;
const circles: Circle[] = [];

/** A member admitted by the facilitator (Fay), with what the admission told them. */
async function join(name: string, c?: Circle) {
  const seat = await (c ?? circle).member(name);
  return {
    bot: seat.bot, selfId: seat.selfId, key: seat.key.wire, routerRtpCapabilities: seat.room.routerRtpCapabilities, peers: seat.room.peers,
    self: seat.room.self,
  };
}

async function openCircle() {
  const c = await Circle.open(server);
  circles.push(c);
  return c;
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
  circle = await openCircle();
});
afterEach(async () => {
  for (const c of circles.splice(0)) c.close();
  await server.close();
});

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

  it('display names are trimmed, and members of other sessions are invisible', async () => {
    const a = await join('  Ann  ');
    const other = await join('Zed', await openCircle());
    const b = await join('Ben');
    expect(b.peers.map((p) => p.displayName)).toEqual(['Fay', 'Ann']);
    expect(other.peers.map((p) => p.displayName)).toEqual(['Fay']);
    expect(a.bot.eventsOf('peer.joined').map((p) => p.displayName)).toEqual(['Ben']);
  });

  it('a full circle refuses admission with ROOM_FULL and keeps its members; a full waiting room refuses arrivals', async () => {
    circle.close();
    await server.close();
    server = await startServer({ sessions: { maxPeers: 4, maxWaiting: 1 } });
    circle = await openCircle();
    const a = await join('Ann');
    await join('Ben');
    await join('Cal');
    const dan = await circle.waiting('Dan');
    expect(await circle.facilitator.bot.request('facilitator.admit', { peerId: dan.selfId })).toMatchObject({ ok: false, code: 'ROOM_FULL' });
    expect(await circle.facilitator.bot.ok('facilitator.admitAll', {})).toEqual({ admitted: 0 });
    const eve = await circle.connect();
    const ack = await eve.request('session.join', {
      sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: 'Eve', deviceId: 'eve-device-0123456789', e2eeKey: ANY_KEY,
    });
    expect(ack).toMatchObject({ ok: false, code: 'ROOM_FULL' });
    expect(a.bot.eventsOf('peer.joined')).toHaveLength(2);
  });

  it('waiting members never keep the facilitator out: she drops and comes back while the waiting room is full', async () => {
    const fay = circle.facilitator;
    for (let i = 0; i < 15; i++) await circle.waiting(`Wait ${i}`);
    fay.bot.close();
    const session = server.app.sessions.get(circle.session.sessionId)!;
    await eventually(() => session.size === 15, 3000, 'the facilitator dropped');
    await circle.waiting('Wait 15');
    const back = await circle.waiting('Fay', { token: circle.session.facilitator.token, deviceId: fay.deviceId, key: fay.key, selfSigned: 'facilitator' });
    expect(back.ack).toMatchObject({ selfId: fay.selfId, role: 'facilitator', admitted: true });
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
    expect(await mediaTotals(server.app)).toEqual({ sessions: 1, transports: 2, producers: 2, consumers: 2, pausedConsumers: 2 });
    await b.bot.ok('media.resumeConsumer', { consumerId: ca.consumerId });
    await b.bot.ok('media.resumeConsumer', { consumerId: cv.consumerId });
    expect((await mediaTotals(server.app)).pausedConsumers).toBe(0);
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
    expect(await mediaTotals(server.app)).toMatchObject({ producers: 1, consumers: 0 });
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
      expect(await mediaTotals(server.app)).toMatchObject({ transports: 4, producers: 4, consumers: 4 });

      if (how === 'session.leave') await a.bot.ok('session.leave', {});
      else a.bot.close();
      expect(await b.bot.waitFor('peer.left')).toEqual({ peerId: a.selfId });
      await eventually(async () => (await mediaTotals(server.app)).consumers === 0, 3000, 'consumers of Ann closed');
      expect(await mediaTotals(server.app)).toEqual({ sessions: 1, transports: 2, producers: 2, consumers: 0, pausedConsumers: 0 });
      // mediasoup tells of closed consumers a moment after its dump stops counting them.
      await eventually(() => b.bot.eventsOf('consumer.closed').length === 2, 3000, 'Ben told of both consumers');

      b.bot.close();
      await eventually(async () => (await mediaTotals(server.app)).transports === 0, 3000, 'all transports closed');
      expect(await mediaTotals(server.app)).toMatchObject({ sessions: 1, producers: 0, consumers: 0 });
    });
  }

  it('a member who left comes back from the same device without waiting again', async () => {
    const seat = await circle.member('Ann');
    await seat.bot.ok('session.leave', {});
    const again = await seat.bot.ok('session.join', {
      sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: 'Ann', deviceId: seat.deviceId, e2eeKey: seat.key.wire,
    });
    expect(again.admitted).toBe(true);
    // A device's participant id is memberIdFor(session, device): the same on every visit (its turn, its certificate).
    expect(again.selfId).toBe(seat.selfId);
    expect(again.room?.peers.map((p) => p.displayName)).toEqual(['Fay']);
  });

  it('the same device joining again replaces its first connection', async () => {
    const seat = await circle.member('Ann');
    const gone = seat.bot.disconnected();
    const second = await circle.connect();
    const ack = await second.ok('session.join', {
      sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: 'Ann', deviceId: seat.deviceId, e2eeKey: seat.key.wire,
    });
    expect(ack.admitted).toBe(true);
    await gone;
    expect(seat.bot.eventsOf('session.closing')).toEqual([{ code: 'REPLACED' }]);
    const fayView = await circle.facilitator.bot.waitFor('facilitator.roster', (r) => r.members.length === 2 && r.members.some((m) => m.id === ack.selfId));
    expect(fayView.members.map((m) => m.displayName).sort()).toEqual(['Ann', 'Fay']);
  });
});
