import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PrivacyCheck } from '@hearth/shared';
import { closeCircle, openFastCircle, type Circle, type Seat } from '../support/circle.js';
import { mic, readyToReceive } from '../support/media.js';
import type { FastServer } from '../support/server.js';

// The way in and out at the server (issue 11): the private-space check reaches the facilitators (and only them),
// "not private right now" and the 1:1 side room decide at the SFU who hears whom. The browser test
// (e2e/wayin.test.ts) hears it with real media; here, the rules and the consumers' pause state.

let server: FastServer;
let circle: Circle;
beforeEach(async () => {
  ({ server, circle } = await openFastCircle());
});
afterEach(() => closeCircle({ server, circle }));

const fay = () => circle.facilitator;
const QUIET: PrivacyCheck = { confirmed: ['private', 'unheard', 'headphones', 'notDriving'], ambient: 'quiet' };

/** Everyone hears everyone: each seat sends a microphone and consumes (and resumes) every other one. */
async function everyoneHears(seats: Seat[]): Promise<void> {
  const mics = new Map<string, string>();
  for (const s of seats) mics.set(s.selfId, await mic(s.bot));
  for (const s of seats) {
    await readyToReceive(s.bot, s.room.routerRtpCapabilities);
    for (const [owner, producerId] of mics) {
      if (owner === s.selfId) continue;
      const c = await s.bot.ok('media.consume', { producerId });
      await s.bot.ok('media.resumeConsumer', { consumerId: c.consumerId });
    }
  }
}

/** Whom `seat` hears now: the owners of its consumers that flow at the SFU. */
async function hears(seat: Seat): Promise<string[]> {
  const media = server.media.live()[0]!;
  return (await media.inspect(seat.selfId)).consumers.filter((c) => !c.paused).map((c) => c.peerId).sort();
}

describe('the private-space check', () => {
  it('a waiting member\'s check is on the panel before admission, follows them in, and can be updated; members never see it', async () => {
    const wes = await circle.waiting('Wes', {});
    await wes.bot.ok('member.setCheck', { check: { confirmed: ['private'], ambient: 'voices' } });
    const waiting = await fay().bot.waitFor('facilitator.roster', (r) => r.waiting.some((w) => w.check?.ambient === 'voices'));
    expect(waiting.waiting.find((w) => w.id === wes.selfId)?.check).toEqual({ confirmed: ['private'], ambient: 'voices' });
    await fay().bot.ok('facilitator.admit', { peerId: wes.selfId, certificate: circle.certify(wes) });
    await wes.bot.ok('member.setCheck', { check: QUIET });
    const seated = await fay().bot.waitFor('facilitator.roster', (r) => r.members.some((m) => m.id === wes.selfId && m.check?.ambient === 'quiet'));
    expect(seated.members.find((m) => m.id === wes.selfId)?.check).toEqual(QUIET);
    expect(wes.bot.eventsOf('facilitator.roster')).toEqual([]);
  });

  it('a malformed check is refused with a typed error and changes nothing', async () => {
    const ann = await circle.member('Ann');
    await ann.bot.ok('member.setCheck', { check: QUIET });
    const bad = await ann.bot.request('member.setCheck', { check: { confirmed: ['private', 'private'], ambient: 'quiet' } } as never);
    expect(bad).toMatchObject({ ok: false, code: 'BAD_MESSAGE' });
    expect(server.app.sessions.get(circle.session.sessionId)!.roster().members.find((m) => m.id === ann.selfId)?.check).toEqual(QUIET);
  });
});

describe('not private right now', () => {
  it('nothing passes to or from the member at the SFU, the panel and the circle are told, and it comes back', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    await everyoneHears([fay(), ann, ben]);
    expect(await hears(ben)).toEqual([ann.selfId, fay().selfId].sort());

    await ann.bot.ok('member.setPrivate', { private: false });
    expect(await hears(ben)).toEqual([fay().selfId]);
    expect(await hears(ann)).toEqual([]);
    expect(await ben.bot.waitFor('peer.space', (e) => e.peerId === ann.selfId)).toEqual({ peerId: ann.selfId, apart: true });
    await fay().bot.waitFor('facilitator.roster', (r) => r.members.some((m) => m.id === ann.selfId && m.notPrivate));

    await ann.bot.ok('member.setPrivate', { private: true });
    expect(await hears(ben)).toEqual([ann.selfId, fay().selfId].sort());
    expect(await hears(ann)).toEqual([ben.selfId, fay().selfId].sort());
    await ben.bot.waitFor('peer.space', (e) => e.peerId === ann.selfId && !e.apart);
  });
});

describe('a side room', () => {
  it('the pair hear only each other, the circle neither; either brings both back', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    await everyoneHears([fay(), ann, ben]);
    await fay().bot.ok('facilitator.stepOut', { peerId: ann.selfId });
    const toAnn = await ann.bot.waitFor('side.state');
    expect(toAnn).toMatchObject({ with: fay().selfId });
    expect(await fay().bot.waitFor('side.state')).toEqual({ room: (toAnn as { room: string }).room, with: ann.selfId });
    expect(await hears(ann)).toEqual([fay().selfId]);
    expect(await hears(fay())).toEqual([ann.selfId]);
    expect(await hears(ben)).toEqual([]);
    expect(ben.bot.eventsOf('side.state')).toEqual([]);
    const roster = await fay().bot.waitFor('facilitator.roster', (r) => r.members.some((m) => m.id === ann.selfId && m.side === fay().selfId));
    expect(roster.members.find((m) => m.id === fay().selfId)?.side).toBe(ann.selfId);

    await ann.bot.ok('side.return', {});
    expect(await ann.bot.waitFor('side.state', (e) => !('room' in e))).toEqual({});
    await fay().bot.waitFor('side.state', (e) => !('room' in e));
    expect(await hears(ben)).toEqual([ann.selfId, fay().selfId].sort());
    expect(await hears(ann)).toEqual([ben.selfId, fay().selfId].sort());
  });

  it('the floor holds the circle, not the side room; a leave brings the other one back', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    await everyoneHears([fay(), ann, ben]);
    await fay().bot.ok('facilitator.setTurnMode', { mode: 'facilitator' });
    await fay().bot.ok('facilitator.stepOut', { peerId: ann.selfId });
    const annMic = server.media.live()[0]!;
    expect((await annMic.inspect(ann.selfId)).producers.every((p) => !p.paused)).toBe(true);
    await ann.bot.ok('session.leave', {});
    await fay().bot.waitFor('side.state', (e) => !('room' in e));
    expect(await hears(fay())).toEqual([ben.selfId]);
  });

  it('only a moderator steps out, with someone in the circle, one room at a time', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const wes = await circle.waiting('Wes');
    expect(await ann.bot.request('facilitator.stepOut', { peerId: ben.selfId })).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(await fay().bot.request('facilitator.stepOut', { peerId: wes.selfId })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await fay().bot.request('facilitator.stepOut', { peerId: fay().selfId })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await ben.bot.request('side.return', {})).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    await fay().bot.ok('facilitator.stepOut', { peerId: ann.selfId });
    expect(await fay().bot.request('facilitator.stepOut', { peerId: ben.selfId })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
  });
});
