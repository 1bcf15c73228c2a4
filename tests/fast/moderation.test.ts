import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOT_RTP } from '../support/Bot.js';
import { ANY_KEY, closeCircle, newDeviceId, openFastCircle, type Circle } from '../support/circle.js';
import { send } from '../support/media.js';
import { eventually, type FastServer } from '../support/server.js';

// Safety actions on the in-memory media port (no worker): what the signaling layer decides and tells. The same
// actions against real mediasoup (paused and closed producers, transports) are in tests/integration/moderation.test.ts.

let server: FastServer;
let circle: Circle;
const fay = () => circle.facilitator.bot;
const paused = () => server.media.pausedProducers();

beforeEach(async () => {
  ({ server, circle } = await openFastCircle());
});
afterEach(() => closeCircle({ server, circle }));

describe('enforced mute', () => {
  it('mute pauses the producer at the server and refuses self-unmute until a facilitator asks', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const sent = await send(ben.bot);
    await fay().ok('facilitator.mute', { peerId: ben.selfId });
    expect(await paused()).toEqual([sent.mic]);
    expect(await ben.bot.waitFor('self.updated')).toEqual({ micLocked: true, cameraLocked: false, askedToUnmute: false });
    expect(await ann.bot.waitFor('producer.paused')).toEqual({ producerId: sent.mic, peerId: ben.selfId, paused: true });
    expect(await ben.bot.request('media.setProducerPaused', { producerId: sent.mic!, paused: false }))
      .toMatchObject({ ok: false, code: 'LOCKED_BY_FACILITATOR' });
    expect(await paused()).toEqual([sent.mic]);
    // Closing the microphone and making a new one does not get around it.
    await ben.bot.ok('media.closeProducer', { producerId: sent.mic! });
    const again = await ben.bot.ok('media.produce', { transportId: sent.transportId, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio });
    expect(await paused()).toEqual([again.producerId]);
    expect(await ann.bot.waitFor('producer.added', (p) => p.id === again.producerId)).toMatchObject({ paused: true });
    await fay().ok('facilitator.askUnmute', { peerId: ben.selfId });
    expect(await ben.bot.waitFor('self.updated', (u) => u.askedToUnmute)).toEqual({ micLocked: false, cameraLocked: false, askedToUnmute: true });
    await ben.bot.ok('media.setProducerPaused', { producerId: again.producerId, paused: false });
    expect(await paused()).toEqual([]);
  });

  it('a member muted before setting up a microphone gets it paused from the start; the camera is not touched', async () => {
    const ben = await circle.member('Ben');
    await fay().ok('facilitator.mute', { peerId: ben.selfId });
    const sent = await send(ben.bot);
    expect(await paused()).toEqual([sent.mic]);
  });

  it('mute all mutes members, not facilitators, and says how many; the panel shows it', async () => {
    const faySent = await send(fay(), ['mic']);
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const a = await send(ann.bot, ['mic']);
    const b = await send(ben.bot, ['mic']);
    expect(await fay().ok('facilitator.muteAll', {})).toEqual({ muted: 2 });
    expect((await paused()).sort()).toEqual([a.mic, b.mic].sort());
    expect(await paused()).not.toContain(faySent.mic);
    const roster = await fay().waitFor('facilitator.roster', (r) => r.audit.at(-1)?.action === 'muted everyone (2)');
    expect(roster.members.map((m) => [m.displayName, m.mic, m.micLocked])).toEqual([
      ['Fay', 'on', false], ['Ann', 'off', true], ['Ben', 'off', true],
    ]);
    expect(roster.audit.at(-1)).toMatchObject({ action: 'muted everyone (2)' });
  });

  it('mute and camera actions on someone waiting, or on nobody, are refused', async () => {
    const wes = await circle.waiting('Wes');
    for (const action of ['facilitator.mute', 'facilitator.askUnmute', 'facilitator.stopCamera', 'facilitator.allowCamera'] as const) {
      expect(await fay().request(action, { peerId: wes.selfId }), action).toMatchObject({ ok: false, code: 'INVALID_STATE' });
      expect(await fay().request(action, { peerId: 'nobody' }), action).toMatchObject({ ok: false, code: 'NOT_FOUND' });
      expect(await fay().request(action, { peerId: circle.facilitator.selfId }), action).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    }
  });
});

describe('enforced camera stop', () => {
  it('stop camera closes the camera producer and refuses a new one until allowed', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const sent = await send(ben.bot);
    await fay().ok('facilitator.stopCamera', { peerId: ben.selfId });
    expect(await ann.bot.waitFor('producer.closed')).toEqual({ producerId: sent.camera, peerId: ben.selfId });
    expect(await ben.bot.waitFor('self.updated')).toEqual({ micLocked: false, cameraLocked: true, askedToUnmute: false });
    expect(await server.media.totals()).toMatchObject({ producers: 1 });
    const retry = () => ben.bot.request('media.produce', { transportId: sent.transportId, kind: 'video', source: 'camera', rtpParameters: BOT_RTP.video });
    expect(await retry()).toMatchObject({ ok: false, code: 'LOCKED_BY_FACILITATOR' });
    await fay().ok('facilitator.allowCamera', { peerId: ben.selfId });
    expect(await retry()).toMatchObject({ ok: true });
    const audit = (await fay().waitFor('facilitator.roster', (r) => r.audit.length === 4)).audit.map((a) => `${a.action} ${a.target}`);
    expect(audit).toEqual(['admitted Ann', 'admitted Ben', 'stopped the camera of Ben', 'allowed the camera of Ben']);
  });

  it("a consumer of the stopped camera is closed and its owner told", async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const sent = await send(ben.bot);
    await ann.bot.ok('media.setRtpCapabilities', { rtpCapabilities: ann.room.routerRtpCapabilities });
    await ann.bot.ok('media.createTransport', { direction: 'recv' });
    const c = await ann.bot.ok('media.consume', { producerId: sent.camera! });
    await fay().ok('facilitator.stopCamera', { peerId: ben.selfId });
    expect(await ann.bot.waitFor('consumer.closed')).toEqual({ consumerId: c.consumerId });
    expect(await server.media.totals()).toMatchObject({ producers: 1, consumers: 0 });
  });
});

describe('removal and ending', () => {
  it('removal disconnects, says why, closes every transport, and the same link or device cannot come back', async () => {
    const inv = await fay().ok('facilitator.createInvite', { role: 'member', maxUses: 1, ttlMinutes: 30 });
    const ann = await circle.member('Ann');
    const ben = await circle.waiting('Ben', { token: inv.token });
    const admitted = ben.bot.waitFor('session.admitted');
    await fay().ok('facilitator.admit', { peerId: ben.selfId });
    await admitted;
    await send(ben.bot);
    await ben.bot.ok('media.createTransport', { direction: 'recv' });
    expect(await server.media.totals()).toMatchObject({ transports: 2, producers: 2 });

    const gone = ben.bot.disconnected();
    await fay().ok('facilitator.remove', { peerId: ben.selfId, message: 'We will call you tomorrow.' });
    await gone;
    expect(ben.bot.eventsOf('session.closing')).toEqual([{ code: 'REMOVED', message: 'We will call you tomorrow.' }]);
    expect(await ann.bot.waitFor('peer.left')).toEqual({ peerId: ben.selfId });
    expect(await server.media.totals()).toMatchObject({ transports: 0, producers: 0, consumers: 0 });

    const back = await circle.connect();
    const rejoin = (deviceId: string, token: string) =>
      back.request('session.join', { sessionId: circle.session.sessionId, token, displayName: 'Ben', deviceId, e2eeKey: ANY_KEY });
    expect(await rejoin(ben.deviceId, inv.token)).toMatchObject({ ok: false, code: 'REMOVED' });
    expect(await rejoin(ben.deviceId, circle.session.member.token)).toMatchObject({ ok: false, code: 'REMOVED' });
    expect(await rejoin(newDeviceId(), inv.token)).toMatchObject({ ok: false, code: 'TOKEN_USED_UP' });
    const roster = await fay().waitFor('facilitator.roster', (r) => r.audit.some((a) => a.action === 'removed') && r.members.length === 2);
    expect(roster.audit.at(-1)).toMatchObject({ actor: 'Fay (facilitator)', action: 'removed', target: 'Ben' });
    expect(roster.members.map((m) => m.displayName)).toEqual(['Fay', 'Ann']);
  });

  it('a removal from the waiting room bans that device too', async () => {
    const wes = await circle.waiting('Wes');
    const gone = wes.bot.disconnected();
    await fay().ok('facilitator.remove', { peerId: wes.selfId });
    await gone;
    expect(wes.bot.eventsOf('session.closing')).toEqual([{ code: 'REMOVED' }]);
    const back = await circle.connect();
    expect(await back.request('session.join', {
      sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: 'Wes', deviceId: wes.deviceId, e2eeKey: ANY_KEY,
    })).toMatchObject({ ok: false, code: 'REMOVED' });
  });

  it('only a facilitator can remove the facilitator', async () => {
    const inv = await fay().ok('facilitator.createInvite', { role: 'cofacilitator', maxUses: 1, ttlMinutes: 5 });
    const cora = await circle.waiting('Cora', { token: inv.token });
    expect(await cora.bot.request('facilitator.remove', { peerId: circle.facilitator.selfId })).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    const flo = await circle.waiting('Flo', { token: circle.session.facilitator.token });
    const gone = cora.bot.disconnected();
    await flo.bot.ok('facilitator.remove', { peerId: cora.selfId });
    await gone;
  });

  it("a co-facilitator's targeted actions on a facilitator are all NOT_ALLOWED and change nothing", async () => {
    await send(fay());
    const inv = await fay().ok('facilitator.createInvite', { role: 'cofacilitator', maxUses: 1, ttlMinutes: 5 });
    const cora = await circle.waiting('Cora', { token: inv.token });
    await fay().waitFor('facilitator.roster', (r) => r.members.some((m) => m.id === cora.selfId));
    const before = { media: await server.media.totals(), paused: await paused(), events: fay().events.length };
    const target = { peerId: circle.facilitator.selfId };
    for (const action of ['facilitator.mute', 'facilitator.askUnmute', 'facilitator.stopCamera', 'facilitator.allowCamera', 'facilitator.remove', 'facilitator.deny'] as const) {
      expect(await cora.bot.request(action, target), action).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    }
    expect({ media: await server.media.totals(), paused: await paused(), events: fay().events.length }).toEqual(before);
    expect(fay().eventsOf('session.closing')).toEqual([]);
    const ann = await circle.member('Ann');
    await cora.bot.ok('facilitator.mute', { peerId: ann.selfId });
    const flo = await circle.waiting('Flo', { token: circle.session.facilitator.token });
    await flo.bot.ok('facilitator.mute', target);
  });

  it('end closes the session for everyone and frees its media; its links lead nowhere', async () => {
    const ann = await circle.member('Ann');
    const wes = await circle.waiting('Wes');
    await send(ann.bot);
    const gone = [ann.bot.disconnected(), wes.bot.disconnected(), fay().disconnected()];
    await fay().ok('facilitator.end', {});
    await Promise.all(gone);
    for (const b of [ann.bot, wes.bot, fay()]) expect(b.eventsOf('session.closing')).toEqual([{ code: 'SESSION_ENDED' }]);
    await eventually(async () => (await server.media.totals()).sessions === 0, 2000, 'session gone');
    const late = await circle.connect();
    expect(await late.request('session.join', {
      sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: 'Late', deviceId: newDeviceId(), e2eeKey: ANY_KEY,
    })).toMatchObject({ ok: false, code: 'SESSION_NOT_FOUND' });
  });

  it("a worker's death rebuilds the sessions on it: the old media closed, new media, members told (registry wiring)", async () => {
    const ann = await circle.member('Ann');
    await send(ann.bot);
    const [before] = server.media.live();
    const told = ann.bot.waitFor('media.restart');
    expect(await server.app.sessions.rebuildSessionsOnWorker(0)).toEqual({ rebuilt: 1, ended: 0 });
    expect((await told).generation).toBe(1);
    expect(fay().eventsOf('media.restart')).toHaveLength(1);
    expect(before!.closed).toBe(true);
    expect(server.media.live()).toHaveLength(1);
    expect(await server.media.totals()).toMatchObject({ sessions: 1, producers: 0, transports: 0 });
    expect(ann.bot.eventsOf('session.closing')).toEqual([]);
    expect(server.app.sessions.get(circle.session.sessionId)).toBeDefined();
  });

  it('a session whose media cannot be made again ends with SESSION_LOST', async () => {
    const ann = await circle.member('Ann');
    const gone = ann.bot.disconnected();
    server.media.unavailable = true;
    expect(await server.app.sessions.rebuildSessionsOnWorker(0)).toEqual({ rebuilt: 0, ended: 1 });
    await gone;
    expect(ann.bot.eventsOf('session.closing')).toEqual([{ code: 'SESSION_LOST' }]);
    expect(server.media.live()).toEqual([]);
    expect(server.app.sessions.get(circle.session.sessionId)).toBeUndefined();
    const health = await (await fetch(`${server.url}/healthz`)).json();
    expect(health).toEqual({ ok: true, workers: 0 });
  });
});

describe('privacy of the logs', () => {
  it('a whole session with names, notes and titles leaves none of them in the server log', async () => {
    await closeCircle({ server, circle });
    const lines: string[] = [];
    const { Writable } = await import('node:stream');
    const stream = new Writable({ write: (chunk, _enc, cb) => { lines.push(String(chunk)); cb(); } });
    ({ server, circle } = await openFastCircle({ logLevel: 'debug' }, { logStream: stream }));
    const ann = await circle.member('Annabel Secretname');
    await send(ann.bot);
    await fay().ok('facilitator.mute', { peerId: ann.selfId });
    await fay().ok('facilitator.remove', { peerId: ann.selfId, message: 'Private note about Annabel' });
    await ann.bot.request('facilitator.end', {}).catch(() => undefined);
    await fay().ok('facilitator.end', {});
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of ['Annabel', 'Secretname', 'Private note', 'Test group', circle.session.member.token, circle.session.sessionId]) {
      expect(log).not.toContain(secret);
    }
  });
});
