import type { types } from 'mediasoup';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConsumerDump } from '../../server/src/room/ports.js';
import { BOT_RTP, type Bot } from '../support/Bot.js';
import { Circle, closeCircle } from '../support/circle.js';
import { admit, mic, readyToReceive, sendBoth } from '../support/media.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

// Audio only, low data and the speaker selection, read from the real mediasoup worker: each consumer's state is
// the worker's own dump (paused, preferred and current layers), never the Node-side cache.

let server: TestServer;
let circle: Circle;
/** Every ActiveSpeakerObserver and producer the worker makes (the room's observer is what names speakers). */
let observers: types.ActiveSpeakerObserver[];
let producers: Map<string, types.Producer>;

/** A camera sent as three simulcast layers (with temporal layers), as the browser client sends it. */
const SIMULCAST_RTP = {
  codecs: BOT_RTP.video.codecs,
  encodings: [1, 2, 3].map((i) => ({ ssrc: 30000 + i, scalabilityMode: 'L1T3' })),
  rtcp: { cname: 'bot' },
};

beforeEach(async () => {
  server = await startServer();
  observers = [];
  producers = new Map();
  for (const w of server.app.workers.workers()) {
    w.observer.on('newrouter', (r) => {
      r.observer.on('newrtpobserver', (o) => observers.push(o as types.ActiveSpeakerObserver));
      r.observer.on('newtransport', (t) => t.observer.on('newproducer', (p) => producers.set(p.id, p)));
    });
  }
  circle = await Circle.open(server);
});
afterEach(() => closeCircle({ server, circle }));

const media = () => server.app.sessions.get(circle.session.sessionId)!.room.media;
const consumersOf = async (peerId: string) => (await media().inspect(peerId)).consumers;
const of = (cs: ConsumerDump[], producerId: string) => cs.find((c) => c.producerId === producerId);

async function consumeAll(bot: Bot, producerIds: string[]): Promise<void> {
  for (const producerId of producerIds) {
    const c = await bot.ok('media.consume', { producerId });
    await bot.ok('media.resumeConsumer', { consumerId: c.consumerId });
  }
}

describe('audio only (receive mode off)', () => {
  it('closes the member’s video consumers and camera, and refuses video with AUDIO_ONLY until it is turned off', async () => {
    const ann = await admit(circle, 'Ann');
    const ben = await admit(circle, 'Ben');
    const bens = await sendBoth(ben.bot);
    const anns = await sendBoth(ann.bot);
    await readyToReceive(ann.bot, ann.routerRtpCapabilities);
    const video = await ann.bot.ok('media.consume', { producerId: bens.video });
    const audio = await ann.bot.ok('media.consume', { producerId: bens.audio });
    for (const c of [video, audio]) await ann.bot.ok('media.resumeConsumer', { consumerId: c.consumerId });
    expect((await consumersOf(ann.selfId)).map((c) => c.kind).sort()).toEqual(['audio', 'video']);

    await ann.bot.ok('media.setReceiveMode', { video: 'off' });
    expect(await ann.bot.waitFor('consumer.closed', (e) => e.consumerId === video.consumerId)).toEqual({ consumerId: video.consumerId });
    // Her camera is closed at the server too: Ben is told, and mediasoup no longer has it.
    expect(await ben.bot.waitFor('producer.closed', (e) => e.producerId === anns.video)).toEqual({ producerId: anns.video, peerId: ann.selfId });
    expect((await media().inspect(ann.selfId)).producers.map((p) => p.kind)).toEqual(['audio']);
    const left = await consumersOf(ann.selfId);
    expect(left.map((c) => [c.kind, c.paused])).toEqual([['audio', false]]);

    expect(await ann.bot.request('media.consume', { producerId: bens.video })).toMatchObject({ ok: false, code: 'AUDIO_ONLY' });
    const t = anns.transportId;
    expect(await ann.bot.request('media.produce', { transportId: t, kind: 'video', source: 'camera', rtpParameters: BOT_RTP.video }))
      .toMatchObject({ ok: false, code: 'AUDIO_ONLY' });
    expect(await consumersOf(ann.selfId)).toHaveLength(1);

    await ann.bot.ok('media.setReceiveMode', { video: 'full' });
    const again = await ann.bot.ok('media.consume', { producerId: bens.video });
    expect(again).toMatchObject({ kind: 'video', producerId: bens.video });
    expect(await ann.bot.request('media.produce', { transportId: t, kind: 'video', source: 'camera', rtpParameters: BOT_RTP.video }))
      .toMatchObject({ ok: true });
  });

  it('the facilitator panel shows the mode of each member', async () => {
    const ann = await admit(circle, 'Ann');
    await ann.bot.ok('media.setReceiveMode', { video: 'off' });
    const roster = server.app.sessions.get(circle.session.sessionId)!.roster();
    expect(roster.members.find((m) => m.id === ann.selfId)?.video).toBe('off');
  });
});

describe('low data (receive mode low)', () => {
  it('sets preferred spatial layer 0 on the member’s video consumers only; full lifts it again', async () => {
    const ann = await admit(circle, 'Ann');
    const ben = await admit(circle, 'Ben');
    const cal = await admit(circle, 'Cal');
    const t = await ben.bot.ok('media.createTransport', { direction: 'send' });
    const { producerId } = await ben.bot.ok('media.produce', { transportId: t.id, kind: 'video', source: 'camera', rtpParameters: SIMULCAST_RTP });
    for (const m of [ann, cal]) {
      await readyToReceive(m.bot, m.routerRtpCapabilities);
      await consumeAll(m.bot, [producerId]);
    }
    // Not pinned: each prefers the top layer (mediasoup steps down from there as bandwidth requires).
    expect(of(await consumersOf(ann.selfId), producerId)?.preferredLayers).toEqual({ spatialLayer: 2, temporalLayer: 2 });

    await ann.bot.ok('media.setReceiveMode', { video: 'low' });
    expect(of(await consumersOf(ann.selfId), producerId)?.preferredLayers).toEqual({ spatialLayer: 0, temporalLayer: 2 });
    expect(of(await consumersOf(cal.selfId), producerId)?.preferredLayers).toEqual({ spatialLayer: 2, temporalLayer: 2 });

    // A consumer made while in low data starts at the smallest layer too.
    const dan = await admit(circle, 'Dan');
    await readyToReceive(dan.bot, dan.routerRtpCapabilities);
    await dan.bot.ok('media.setReceiveMode', { video: 'low' });
    await consumeAll(dan.bot, [producerId]);
    expect(of(await consumersOf(dan.selfId), producerId)?.preferredLayers?.spatialLayer).toBe(0);

    await ann.bot.ok('media.setReceiveMode', { video: 'full' });
    expect(of(await consumersOf(ann.selfId), producerId)?.preferredLayers).toEqual({ spatialLayer: 2, temporalLayer: 2 });
  });

  it('a facilitator switches a member to low data: the member is told, its consumers drop to layer 0', async () => {
    const ann = await admit(circle, 'Ann');
    const ben = await admit(circle, 'Ben');
    const t = await ben.bot.ok('media.createTransport', { direction: 'send' });
    const { producerId } = await ben.bot.ok('media.produce', { transportId: t.id, kind: 'video', source: 'camera', rtpParameters: SIMULCAST_RTP });
    await readyToReceive(ann.bot, ann.routerRtpCapabilities);
    await consumeAll(ann.bot, [producerId]);

    await circle.facilitator.bot.ok('facilitator.setLowData', { peerId: ann.selfId, lowData: true });
    expect(await ann.bot.waitFor('media.videoMode')).toEqual({ video: 'low', byFacilitator: true });
    expect(of(await consumersOf(ann.selfId), producerId)?.preferredLayers?.spatialLayer).toBe(0);
    // A member may not do it to another.
    expect(await ben.bot.request('facilitator.setLowData', { peerId: ann.selfId, lowData: false })).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    // Audio only stays audio only.
    await ben.bot.ok('media.setReceiveMode', { video: 'off' });
    await circle.facilitator.bot.ok('facilitator.setLowData', { peerId: ben.selfId, lowData: true });
    expect((await media().inspect(ben.selfId)).videoMode).toBe('off');
  });
});

describe('speaker selection for audio-only members', () => {
  it('on the open floor, pauses all but the facilitator and the last 3 dominant speakers, for audio-only members only', async () => {
    const ava = await admit(circle, 'Ava');
    const names = ['Ben', 'Cal', 'Dan', 'Eve'] as const;
    const members = await Promise.all(names.map((n) => admit(circle, n)));
    const fays = await mic(circle.facilitator.bot);
    await mic(ava.bot);
    const mics = Object.fromEntries(await Promise.all(members.map(async (m, i) => [names[i], await mic(m.bot)] as const)));
    const ben = members[0]!;
    for (const m of [ava, ben]) {
      await readyToReceive(m.bot, m.routerRtpCapabilities);
      await consumeAll(m.bot, [fays, ...names.filter((n) => m !== ben || n !== 'Ben').map((n) => mics[n]!)]);
    }
    await ava.bot.ok('media.setReceiveMode', { video: 'off' });
    const observer = observers.at(-1)!;
    const speak = (name: (typeof names)[number]) => observer.safeEmit('dominantspeaker', { producer: producers.get(mics[name]!)! });
    /** Whom a member receives audio from, by the worker's own pause state. */
    const hears = async (peerId: string) => {
      const cs = await consumersOf(peerId);
      const byProducer = new Map(Object.entries({ Fay: fays, ...mics }).map(([n, id]) => [id, n]));
      return cs.filter((c) => c.kind === 'audio' && !c.paused).map((c) => byProducer.get(c.producerId)).sort();
    };

    // Five members besides the facilitator have a microphone; nobody has been named yet: Ava hears Fay only.
    expect(await hears(ava.selfId)).toEqual(['Fay']);
    for (const n of ['Ben', 'Cal', 'Dan'] as const) speak(n);
    await eventually(async () => (await hears(ava.selfId)).length === 4, 2000, 'Ava to hear three speakers');
    expect(await hears(ava.selfId)).toEqual(['Ben', 'Cal', 'Dan', 'Fay']);
    speak('Eve');
    await eventually(async () => !(await hears(ava.selfId)).includes('Ben'), 2000, 'Ben held for Ava');
    expect(await hears(ava.selfId)).toEqual(['Cal', 'Dan', 'Eve', 'Fay']);
    // Ben, who sees video, hears everyone all along.
    expect(await hears(ben.selfId)).toEqual(['Cal', 'Dan', 'Eve', 'Fay']);

    // The client cannot lift a hold: resuming Ben's consumer leaves it paused.
    const held = of(await consumersOf(ava.selfId), mics.Ben!)!;
    await ava.bot.ok('media.resumeConsumer', { consumerId: held.id });
    expect(of(await consumersOf(ava.selfId), mics.Ben!)).toMatchObject({ paused: true, held: true });

    // Under a floor the floor decides (it pauses the microphones themselves): nothing is held for Ava.
    await circle.facilitator.bot.ok('facilitator.setTurnMode', { mode: 'stick' });
    expect((await consumersOf(ava.selfId)).filter((c) => c.held)).toEqual([]);
    await circle.facilitator.bot.ok('facilitator.setTurnMode', { mode: 'open' });
    expect(await hears(ava.selfId)).toEqual(['Cal', 'Dan', 'Eve', 'Fay']);

    // Back to video: she hears everyone again.
    await ava.bot.ok('media.setReceiveMode', { video: 'full' });
    expect(await hears(ava.selfId)).toEqual(['Ben', 'Cal', 'Dan', 'Eve', 'Fay']);
  });
});
