import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VALID_REQUESTS } from '../../shared/src/protocol/fixtures.js';
import { BOT_RTP, type Bot } from '../support/Bot.js';
import { ANY_KEY, Circle, closeCircle, newDeviceId, openFastCircle } from '../support/circle.js';
import { eventually, startFastServer, type FastServer } from '../support/server.js';

// The door of a session on the in-memory media port: waiting room, admit / deny / admit everyone, lock, caps,
// devices coming back, bans. None of it needs the SFU (issue 9): there is no real-worker twin.

let server: FastServer;
let circle: Circle;
const fay = () => circle.facilitator.bot;

beforeEach(async () => {
  ({ server, circle } = await openFastCircle());
});
afterEach(() => closeCircle({ server, circle }));

const join = (bot: Bot, o: { deviceId?: string; token?: string; displayName?: string; e2eeKey?: typeof ANY_KEY } = {}) =>
  bot.request('session.join', {
    sessionId: circle.session.sessionId, token: o.token ?? circle.session.member.token, displayName: o.displayName ?? 'Someone',
    deviceId: o.deviceId ?? newDeviceId(), e2eeKey: o.e2eeKey ?? ANY_KEY,
  });

describe('waiting room', () => {
  it('a waiting member receives no participant list, no events and no media until admitted', async () => {
    const ann = await circle.member('Ann');
    const wes = await circle.waiting('Wes');
    const t = await ann.bot.ok('media.createTransport', { direction: 'send' });
    await ann.bot.ok('media.produce', { transportId: t.id, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio });
    await circle.member('Ben');
    expect(wes.ack).toMatchObject({ role: 'member', admitted: false });
    expect(wes.ack.room).toBeUndefined();
    for (const name of ['media.createTransport', 'media.consume', 'chat.send', 'chat.note', 'turn.request', 'turn.react', 'e2ee.ack'] as const) {
      expect(await wes.bot.raw(name, VALID_REQUESTS[name][0]), name).toMatchObject({ ok: false, code: 'NOT_ADMITTED' });
    }
    expect(wes.bot.events.map((e) => e.event)).toEqual([]);
    const admitted = wes.bot.waitFor('session.admitted');
    await fay().ok('facilitator.admit', { peerId: wes.selfId });
    const room = await admitted;
    expect(room.peers.map((p) => p.displayName)).toEqual(['Fay', 'Ann', 'Ben']);
    expect(room.peers.find((p) => p.displayName === 'Ann')?.producers).toHaveLength(1);
    expect(await ann.bot.waitFor('peer.joined', (p) => p.id === wes.selfId)).toMatchObject({ displayName: 'Wes', role: 'member' });
  });

  it('facilitators see who waits (display name and key), admit all, or deny with a note', async () => {
    const w1 = await circle.waiting('Wes');
    const w2 = await circle.waiting('Wil');
    const roster = await fay().waitFor('facilitator.roster', (r) => r.waiting.length === 2);
    expect(roster.waiting).toEqual([
      { id: w1.selfId, displayName: 'Wes', e2eeKey: w1.key.wire }, { id: w2.selfId, displayName: 'Wil', e2eeKey: w2.key.wire },
    ]);
    const gone = w2.bot.disconnected();
    await fay().ok('facilitator.deny', { peerId: w2.selfId, message: 'This group is full tonight.' });
    await gone;
    expect(w2.bot.eventsOf('session.closing')).toEqual([{ code: 'DENIED', message: 'This group is full tonight.' }]);
    expect(await fay().ok('facilitator.admitAll', {})).toEqual({ admitted: 1 });
    await w1.bot.waitFor('session.admitted');
    const after = await fay().waitFor('facilitator.roster', (r) => r.waiting.length === 0 && r.members.length === 2 && r.audit.length === 2);
    expect(after.audit.map((a) => `${a.actor} ${a.action} ${a.target ?? ''}`.trim())).toEqual([
      'Fay (facilitator) declined Wil', 'Fay (facilitator) admitted Wes',
    ]);
  });

  it('a denied device may knock again (deny is not a ban); a member cannot be denied once in', async () => {
    const wes = await circle.waiting('Wes');
    await fay().ok('facilitator.deny', { peerId: wes.selfId });
    await wes.bot.disconnected();
    const again = await circle.waiting('Wes', { deviceId: wes.deviceId });
    expect(again.ack).toMatchObject({ selfId: wes.selfId, admitted: false });
    const ann = await circle.member('Ann');
    expect(await fay().request('facilitator.deny', { peerId: ann.selfId })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(await fay().request('facilitator.admit', { peerId: ann.selfId })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(await fay().request('facilitator.admit', { peerId: 'nobody' })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });

  it('someone who leaves the waiting room disappears from the panel', async () => {
    const wes = await circle.waiting('Wes');
    await fay().waitFor('facilitator.roster', (r) => r.waiting.length === 1);
    wes.bot.close();
    await fay().waitFor('facilitator.roster', (r) => r.waiting.length === 0);
    expect(await fay().request('facilitator.admit', { peerId: wes.selfId })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });
});

describe('lock', () => {
  it('a locked session turns new arrivals away, but not facilitators or members coming back', async () => {
    const ann = await circle.member('Ann');
    await fay().ok('facilitator.lock', { locked: true });
    expect((await fay().waitFor('facilitator.roster', (r) => r.locked)).audit.at(-1)).toMatchObject({ action: 'locked the session' });
    const fresh = await circle.connect();
    expect(await join(fresh)).toMatchObject({ ok: false, code: 'ROOM_LOCKED' });
    await ann.bot.ok('session.leave', {});
    expect(await join(ann.bot, { deviceId: ann.deviceId, e2eeKey: ann.key.wire })).toMatchObject({ ok: true, data: { admitted: true } });
    const fay2 = await circle.connect();
    expect(await join(fay2, { token: circle.session.facilitator.token })).toMatchObject({ ok: true, data: { role: 'facilitator' } });
    await fay().ok('facilitator.lock', { locked: false });
    expect(await join(fresh)).toMatchObject({ ok: true, data: { admitted: false } });
  });

  it('a lock does not empty the waiting room: who already waits can still be admitted', async () => {
    const wes = await circle.waiting('Wes');
    await fay().ok('facilitator.lock', { locked: true });
    const admitted = wes.bot.waitFor('session.admitted');
    await fay().ok('facilitator.admit', { peerId: wes.selfId });
    await admitted;
  });
});

describe('caps', () => {
  it('a full circle refuses admission with ROOM_FULL and keeps its members; a full waiting room refuses arrivals', async () => {
    await closeCircle({ server, circle });
    ({ server, circle } = await openFastCircle({ sessions: { maxPeers: 4, maxWaiting: 1 } }));
    const ann = await circle.member('Ann');
    await circle.member('Ben');
    await circle.member('Cal');
    const dan = await circle.waiting('Dan');
    expect(await fay().request('facilitator.admit', { peerId: dan.selfId })).toMatchObject({ ok: false, code: 'ROOM_FULL' });
    expect(await fay().ok('facilitator.admitAll', {})).toEqual({ admitted: 0 });
    expect(await join(await circle.connect())).toMatchObject({ ok: false, code: 'ROOM_FULL' });
    expect(ann.bot.eventsOf('peer.joined')).toHaveLength(2);
    // A facilitator does not fit in a full circle either, however many moderators the session has.
    expect(await join(await circle.connect(), { token: circle.session.facilitator.token })).toMatchObject({ ok: false, code: 'ROOM_FULL' });
  });

  it('admit everyone stops at the cap and leaves the rest waiting', async () => {
    await closeCircle({ server, circle });
    ({ server, circle } = await openFastCircle({ sessions: { maxPeers: 3, maxWaiting: 5 } }));
    for (const name of ['Wes', 'Wil', 'Wyn']) await circle.waiting(name);
    expect(await fay().ok('facilitator.admitAll', {})).toEqual({ admitted: 2 });
    const roster = await fay().waitFor('facilitator.roster', (r) => r.members.length === 3);
    expect(roster.waiting.map((w) => w.displayName)).toEqual(['Wyn']);
  });

  it('waiting members never keep the facilitator out: she drops and comes back while the waiting room is full', async () => {
    const f = circle.facilitator;
    for (let i = 0; i < 15; i++) await circle.waiting(`Wait ${i}`);
    f.bot.close();
    await eventually(() => !server.media.live()[0]!.members().includes(f.selfId), 3000, 'the facilitator dropped');
    expect(server.app.sessions.get(circle.session.sessionId)!.size).toBe(15);
    await circle.waiting('Wait 15');
    const back = await circle.waiting('Fay', { token: circle.session.facilitator.token, deviceId: f.deviceId, key: f.key, selfSigned: 'facilitator' });
    expect(back.ack).toMatchObject({ selfId: f.selfId, role: 'facilitator', admitted: true });
  });
});

describe('devices coming back', () => {
  it('a member who left comes back from the same device without waiting again, with the same id', async () => {
    const seat = await circle.member('Ann');
    await seat.bot.ok('session.leave', {});
    const again = await join(seat.bot, { deviceId: seat.deviceId, e2eeKey: seat.key.wire, displayName: 'Ann' });
    expect(again).toMatchObject({ ok: true, data: { admitted: true, selfId: seat.selfId } });
    expect(again.ok && again.data.room?.peers.map((p) => p.displayName)).toEqual(['Fay']);
  });

  it('the same device joining again replaces its first connection', async () => {
    const seat = await circle.member('Ann');
    const gone = seat.bot.disconnected();
    const ack = await (await circle.connect()).ok('session.join', {
      sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: 'Ann', deviceId: seat.deviceId, e2eeKey: seat.key.wire,
    });
    expect(ack.admitted).toBe(true);
    await gone;
    expect(seat.bot.eventsOf('session.closing')).toEqual([{ code: 'REPLACED' }]);
    const view = await fay().waitFor('facilitator.roster', (r) => r.members.length === 2 && r.members.some((m) => m.id === ack.selfId));
    expect(view.members.map((m) => m.displayName).sort()).toEqual(['Ann', 'Fay']);
  });

  it('a second tab of someone waiting replaces the first and still waits (one entry in the panel)', async () => {
    const wes = await circle.waiting('Wes');
    const gone = wes.bot.disconnected();
    const second = await circle.waiting('Wes', { deviceId: wes.deviceId, key: wes.key });
    await gone;
    expect(second.ack).toMatchObject({ selfId: wes.selfId, admitted: false });
    const roster = await fay().waitFor('facilitator.roster', (r) => r.waiting.length === 1);
    expect(roster.waiting.map((w) => w.id)).toEqual([wes.selfId]);
  });

  it('a removed device stays out on every invite; other devices with the group link still reach the waiting room', async () => {
    const ann = await circle.member('Ann');
    await fay().ok('facilitator.remove', { peerId: ann.selfId });
    await ann.bot.disconnected();
    const bot = await circle.connect();
    expect(await join(bot, { deviceId: ann.deviceId })).toMatchObject({ ok: false, code: 'REMOVED' });
    expect(await join(bot, { deviceId: ann.deviceId, token: circle.session.facilitator.token })).toMatchObject({ ok: false, code: 'REMOVED' });
    expect(await join(bot)).toMatchObject({ ok: true, data: { admitted: false } });
  });
});

describe('sessions are separate', () => {
  it('display names are trimmed, and members of other sessions are invisible', async () => {
    const other = await Circle.open(server);
    try {
      const a = await circle.member('  Ann  ');
      const zed = await other.member('Zed');
      const b = await circle.member('Ben');
      expect(b.room.peers.map((p) => p.displayName)).toEqual(['Fay', 'Ann']);
      expect(zed.room.peers.map((p) => p.displayName)).toEqual(['Fay']);
      expect(a.bot.eventsOf('peer.joined').map((p) => p.displayName)).toEqual(['Ben']);
      expect(server.media.live()).toHaveLength(2);
    } finally {
      other.close();
    }
  });

  it('a fresh server has no worker at all', async () => {
    const s = await startFastServer();
    try {
      expect(s.app.workers.workers()).toEqual([]);
      expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ ok: true, workers: 0 });
    } finally {
      await s.close();
    }
  });
});
