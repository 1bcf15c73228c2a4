import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeCircle, openFastCircle, type Circle } from '../support/circle.js';
import { mic } from '../support/media.js';
import type { FastServer } from '../support/server.js';

// Turn taking on the in-memory media port: who the server forwards (paused producers) and what everyone is told.
// Who is heard, against real mediasoup's paused producers: tests/integration/turns.test.ts.

let server: FastServer;
let circle: Circle;
const fay = () => circle.facilitator.bot;
const paused = async () => (await server.media.pausedProducers()).sort();

beforeEach(async () => {
  ({ server, circle } = await openFastCircle());
});
afterEach(() => closeCircle({ server, circle }));

describe('the server decides who is heard', () => {
  it('in stick mode only the holder (and facilitators) are forwarded; open floor forwards everyone again', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const [faysMic, annsMic, bensMic] = [await mic(fay()), await mic(ann.bot), await mic(ben.bot)];
    expect(await paused()).toEqual([]);
    await fay().ok('facilitator.setTurnMode', { mode: 'stick' });
    expect(await paused()).toEqual([annsMic, bensMic].sort());
    expect(await paused()).not.toContain(faysMic);
    await ann.bot.ok('turn.request', {});
    await ben.bot.ok('turn.request', {});
    const state = await ben.bot.waitFor('turn.state', (s) => s.holder === ann.selfId && s.queue.length === 1);
    expect(state).toMatchObject({ mode: 'stick', holder: ann.selfId, queue: [ben.selfId] });
    expect(await paused()).toEqual([bensMic]);
    await ann.bot.ok('turn.pass', { turn: state.turn });
    expect(await paused()).toEqual([annsMic]);
    // A late second pass by Ann, for her old turn, changes nothing.
    await ann.bot.ok('turn.pass', { turn: state.turn });
    expect(await paused()).toEqual([annsMic]);
    await fay().ok('facilitator.setTurnMode', { mode: 'open' });
    expect(await paused()).toEqual([]);
  });

  it('a co-facilitator is always heard, like the facilitator', async () => {
    const inv = await fay().ok('facilitator.createInvite', { role: 'cofacilitator', maxUses: 1, ttlMinutes: 5 });
    const cora = await circle.waiting('Cora', { token: inv.token });
    const ann = await circle.member('Ann');
    const [corasMic, annsMic] = [await mic(cora.bot), await mic(ann.bot)];
    await fay().ok('facilitator.setTurnMode', { mode: 'stick' });
    expect(await paused()).toEqual([annsMic]);
    expect(await paused()).not.toContain(corasMic);
  });

  it("a member's own mute still holds on the open floor, and a muted holder stays muted", async () => {
    const ann = await circle.member('Ann');
    const annsMic = await mic(ann.bot);
    await ann.bot.ok('media.setProducerPaused', { producerId: annsMic, paused: true });
    await fay().ok('facilitator.setTurnMode', { mode: 'stick' });
    await ann.bot.ok('turn.request', {});
    expect(await paused()).toEqual([annsMic]);
    await fay().ok('facilitator.setTurnMode', { mode: 'open' });
    expect(await paused()).toEqual([annsMic]);
    await ann.bot.ok('media.setProducerPaused', { producerId: annsMic, paused: false });
    expect(await paused()).toEqual([]);
  });

  it('a microphone set up while someone else holds the stick starts paused at the server', async () => {
    const ann = await circle.member('Ann');
    await fay().ok('facilitator.setTurnMode', { mode: 'stick' });
    await ann.bot.ok('turn.request', {});
    const ben = await circle.member('Ben');
    const bensMic = await mic(ben.bot);
    expect(await paused()).toEqual([bensMic]);
    expect(ben.bot.eventsOf('turn.state').at(-1)).toMatchObject({ mode: 'stick', holder: ann.selfId });
  });

  it('a newcomer is told the floor at once, and a facilitator is never in the order', async () => {
    await fay().ok('facilitator.setTurnMode', { mode: 'goaround' });
    const ann = await circle.member('Ann');
    expect(ann.bot.eventsOf('turn.state')[0]).toMatchObject({ mode: 'goaround' });
    await fay().ok('facilitator.setTurnMode', { mode: 'goaround' }); // a new round, with Ann in it
    const round = await ann.bot.waitFor('turn.state', (s) => s.holder === ann.selfId);
    expect([round.holder, ...round.order]).not.toContain(circle.facilitator.selfId);
  });
});

describe('turns', () => {
  it('go-around: in arrival order; a pass moves to the next; facilitators can pass to and take back', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    await fay().ok('facilitator.setTurnMode', { mode: 'goaround' });
    const first = await ann.bot.waitFor('turn.state', (s) => s.mode === 'goaround');
    expect(first).toMatchObject({ holder: ann.selfId, order: [ben.selfId] });
    await ann.bot.ok('turn.pass', { turn: first.turn });
    await ann.bot.waitFor('turn.state', (s) => s.holder === ben.selfId);
    await fay().ok('facilitator.passStick', { peerId: ann.selfId });
    await ben.bot.waitFor('turn.state', (s) => s.holder === ann.selfId);
    await fay().ok('facilitator.takeStick', {});
    await ben.bot.waitFor('turn.state', (s) => s.mode === 'goaround' && s.holder === null);
    expect(await fay().request('facilitator.passStick', { peerId: circle.facilitator.selfId })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await fay().request('facilitator.passStick', { peerId: 'nobody' })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });

  it('a holder who drops hands the stick on, and gets the front of the queue back on return', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const cal = await circle.member('Cal');
    await fay().ok('facilitator.setTurnMode', { mode: 'stick' });
    for (const m of [ann, ben, cal]) await m.bot.ok('turn.request', {});
    ann.bot.close();
    await ben.bot.waitFor('turn.state', (s) => s.holder === ben.selfId);
    const back = await circle.waiting('Ann', { deviceId: ann.deviceId, key: ann.key });
    expect(back.ack).toMatchObject({ selfId: ann.selfId, admitted: true });
    const s = await ben.bot.waitFor('turn.state', (x) => x.queue[0] === ann.selfId);
    expect(s.queue).toEqual([ann.selfId, cal.selfId]);
  });

  it('a removed member loses the stick and their place in the queue', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const cal = await circle.member('Cal');
    await fay().ok('facilitator.setTurnMode', { mode: 'stick' });
    for (const m of [ann, ben, cal]) await m.bot.ok('turn.request', {});
    await fay().ok('facilitator.remove', { peerId: ann.selfId });
    const s = await ben.bot.waitFor('turn.state', (x) => x.holder === ben.selfId);
    expect(s.queue).toEqual([cal.selfId]);
  });

  it('a time limit sets an end, extend moves it on, and no limit clears it', async () => {
    const ann = await circle.member('Ann');
    await fay().ok('facilitator.setTurnLimit', { seconds: 120 });
    await fay().ok('facilitator.setTurnMode', { mode: 'stick' });
    await ann.bot.ok('turn.request', {});
    const held = await ann.bot.waitFor('turn.state', (s) => s.holder === ann.selfId);
    expect(held.limitMs).toBe(120_000);
    expect(held.endsAt! - held.serverNow).toBeGreaterThan(119_000);
    await fay().ok('facilitator.extendTurn', { seconds: 60 });
    const extended = await ann.bot.waitFor('turn.state', (s) => s.endsAt! > held.endsAt!);
    expect(extended.endsAt! - held.endsAt!).toBeGreaterThanOrEqual(60_000);
    await fay().ok('facilitator.setTurnLimit', { seconds: 0 });
    expect(await ann.bot.waitFor('turn.state', (s) => s.limitMs === null && s.holder === ann.selfId)).toMatchObject({ endsAt: null });
  });

  it('quiet reactions reach everyone, never take the floor, and are rate-limited per member', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    await fay().ok('facilitator.setTurnMode', { mode: 'stick' });
    await ann.bot.ok('turn.react', { reaction: 'understand' });
    expect(await ann.bot.request('turn.react', { reaction: 'heart' })).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    expect(await ben.bot.waitFor('turn.reaction')).toEqual({ from: ann.selfId, reaction: 'understand' });
    expect(await fay().waitFor('turn.reaction')).toEqual({ from: ann.selfId, reaction: 'understand' });
    expect(ben.bot.eventsOf('turn.state').at(-1)?.holder).toBeNull();
    expect(server.app.sessions.get(circle.session.sessionId)!.floor.current.holder).toBeNull();
  });
});
