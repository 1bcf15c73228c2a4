import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOT_RTP } from '../support/Bot.js';
import { ANY_KEY, closeCircle, newDeviceId, openCircle, type Circle } from '../support/circle.js';
import { send } from '../support/media.js';
import { mediaTotals, pausedProducers, type TestServer } from '../support/server.js';

// Safety actions as the real mediasoup worker sees them: producers paused or closed, transports gone. The waiting
// room, lock, ending, who may remove whom and the privacy of the logs need no worker: tests/fast/moderation.test.ts
// and tests/fast/admission.test.ts.

let server: TestServer;
let circle: Circle;
const fay = () => circle.facilitator.bot;

beforeEach(async () => {
  ({ server, circle } = await openCircle());
});
afterEach(() => closeCircle({ server, circle }));

describe('enforced mute and camera stop', () => {
  it('mute pauses the producer at the server and refuses self-unmute until a facilitator asks', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const sent = await send(ben.bot);
    await fay().ok('facilitator.mute', { peerId: ben.selfId });
    expect(await pausedProducers(server.app)).toEqual([sent.mic]);
    expect(await ben.bot.waitFor('self.updated')).toEqual({ micLocked: true, cameraLocked: false, askedToUnmute: false });
    expect(await ann.bot.waitFor('producer.paused')).toEqual({ producerId: sent.mic, peerId: ben.selfId, paused: true });

    expect(await ben.bot.request('media.setProducerPaused', { producerId: sent.mic!, paused: false }))
      .toMatchObject({ ok: false, code: 'LOCKED_BY_FACILITATOR' });
    expect(await pausedProducers(server.app)).toEqual([sent.mic]);
    // Closing the microphone and making a new one does not get around it.
    await ben.bot.ok('media.closeProducer', { producerId: sent.mic! });
    const again = await ben.bot.ok('media.produce', { transportId: sent.transportId, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio });
    expect(await pausedProducers(server.app)).toEqual([again.producerId]);

    await fay().ok('facilitator.askUnmute', { peerId: ben.selfId });
    expect(await ben.bot.waitFor('self.updated', (u) => u.askedToUnmute)).toEqual({ micLocked: false, cameraLocked: false, askedToUnmute: true });
    await ben.bot.ok('media.setProducerPaused', { producerId: again.producerId, paused: false });
    expect(await pausedProducers(server.app)).toEqual([]);
  });

  it('mute all mutes members, not facilitators', async () => {
    const faySent = await send(fay(), ['mic']);
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const a = await send(ann.bot, ['mic']);
    const b = await send(ben.bot, ['mic']);
    expect(await fay().ok('facilitator.muteAll', {})).toEqual({ muted: 2 });
    expect((await pausedProducers(server.app)).sort()).toEqual([a.mic, b.mic].sort());
    expect(await pausedProducers(server.app)).not.toContain(faySent.mic);
  });

  it('stop camera closes the camera producer and refuses a new one until allowed', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const sent = await send(ben.bot);
    await fay().ok('facilitator.stopCamera', { peerId: ben.selfId });
    expect(await ann.bot.waitFor('producer.closed')).toEqual({ producerId: sent.camera, peerId: ben.selfId });
    expect(await mediaTotals(server.app)).toMatchObject({ producers: 1 });
    const retry = () => ben.bot.request('media.produce', { transportId: sent.transportId, kind: 'video', source: 'camera', rtpParameters: BOT_RTP.video });
    expect(await retry()).toMatchObject({ ok: false, code: 'LOCKED_BY_FACILITATOR' });
    await fay().ok('facilitator.allowCamera', { peerId: ben.selfId });
    expect(await retry()).toMatchObject({ ok: true });
  });
});

describe('removal and ending', () => {
  it('removal disconnects, says why, closes every transport, and the same link or device cannot come back', async () => {
    const inv = await fay().ok('facilitator.createInvite', { role: 'member', maxUses: 1, ttlMinutes: 30 });
    const ben = await circle.waiting('Ben', { token: inv.token });
    const admitted = ben.bot.waitFor('session.admitted');
    await fay().ok('facilitator.admit', { peerId: ben.selfId });
    await admitted;
    const sent = await send(ben.bot);
    await ben.bot.ok('media.createTransport', { direction: 'recv' });
    expect(sent.camera).toBeDefined();
    expect(await mediaTotals(server.app)).toMatchObject({ transports: 2, producers: 2 });

    const gone = ben.bot.disconnected();
    await fay().ok('facilitator.remove', { peerId: ben.selfId, message: 'We will call you tomorrow.' });
    await gone;
    expect(ben.bot.eventsOf('session.closing')).toEqual([{ code: 'REMOVED', message: 'We will call you tomorrow.' }]);
    expect(await mediaTotals(server.app)).toMatchObject({ transports: 0, producers: 0, consumers: 0 });

    const back = await circle.connect();
    const rejoin = (deviceId: string, token: string) =>
      back.request('session.join', { sessionId: circle.session.sessionId, token, displayName: 'Ben', deviceId, e2eeKey: ANY_KEY });
    expect(await rejoin(ben.deviceId, inv.token)).toMatchObject({ ok: false, code: 'REMOVED' });
    expect(await rejoin(ben.deviceId, circle.session.member.token)).toMatchObject({ ok: false, code: 'REMOVED' });
    expect(await rejoin(newDeviceId(), inv.token)).toMatchObject({ ok: false, code: 'TOKEN_USED_UP' });
    const roster = server.app.sessions.get(circle.session.sessionId)!.roster();
    expect(roster.audit.at(-1)).toMatchObject({ actor: 'Fay (facilitator)', action: 'removed', target: 'Ben' });
  });

  it("a co-facilitator's targeted actions on a facilitator are all NOT_ALLOWED and change nothing", async () => {
    const faySent = await send(fay());
    const inv = await fay().ok('facilitator.createInvite', { role: 'cofacilitator', maxUses: 1, ttlMinutes: 5 });
    const cora = await circle.waiting('Cora', { token: inv.token });
    const session = server.app.sessions.get(circle.session.sessionId)!;
    const state = async () => ({ roster: { ...session.roster(), audit: [] }, paused: await pausedProducers(server.app), totals: await mediaTotals(server.app) });
    const before = await state();
    const target = { peerId: circle.facilitator.selfId };
    for (const action of ['facilitator.mute', 'facilitator.askUnmute', 'facilitator.stopCamera', 'facilitator.allowCamera', 'facilitator.remove', 'facilitator.deny'] as const) {
      expect(await cora.bot.request(action, target), action).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    }
    expect(await state()).toEqual(before);
    expect(faySent.camera).toBeDefined();
    expect(fay().eventsOf('session.closing')).toEqual([]);
    // A co-facilitator still acts on members, and a facilitator on another facilitator.
    const ann = await circle.member('Ann');
    await cora.bot.ok('facilitator.mute', { peerId: ann.selfId });
    const flo = await circle.waiting('Flo', { token: circle.session.facilitator.token });
    await flo.bot.ok('facilitator.mute', target);
  });
});
