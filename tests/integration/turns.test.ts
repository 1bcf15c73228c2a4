import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeCircle, openCircle, type Circle } from '../support/circle.js';
import { mic } from '../support/media.js';
import { pausedProducers, type TestServer } from '../support/server.js';

// Who is heard, as the real mediasoup worker holds it (paused producers). The turns themselves (go-around, drops,
// removals, time limits, reactions) need no worker: tests/fast/turns.test.ts.

let server: TestServer;
let circle: Circle;
const fay = () => circle.facilitator.bot;

const paused = async () => (await pausedProducers(server.app)).sort();

beforeEach(async () => {
  ({ server, circle } = await openCircle());
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
});
