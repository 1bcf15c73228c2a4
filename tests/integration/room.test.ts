import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeCircle, openCircle, type Circle } from '../support/circle.js';
import { admit, readyToReceive, sendBoth } from '../support/media.js';
import { eventually, mediaTotals, type TestServer } from '../support/server.js';

// What the circle's media signaling does to the real mediasoup objects (read from the router's own dump).
// Joining, snapshots, mute announcements and devices coming back need no worker: tests/fast/room.test.ts and
// tests/fast/admission.test.ts.

let server: TestServer;
let circle: Circle;
const join = (name: string) => admit(circle, name);

beforeEach(async () => {
  ({ server, circle } = await openCircle());
});
afterEach(() => closeCircle({ server, circle }));

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
});
