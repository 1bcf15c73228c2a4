import { afterEach, describe, expect, it } from 'vitest';
import { closeCircle, openCircle, type Circle } from '../support/circle.js';
import { send } from '../support/media.js';
import { mediaTotals, type TestServer } from '../support/server.js';

// The join path's shortcut (issue 10): a waiting member gives its receive capabilities from the waiting room, and
// at admission the server makes its two transports and a paused consumer of every microphone in the circle, on
// the real mediasoup worker, so the member's first sound is three round trips nearer.

let server: TestServer;
let circle: Circle;
afterEach(() => closeCircle({ server, circle }));

async function admitWithCaps(name: string, giveCaps = true) {
  const w = await circle.waiting(name);
  expect(w.ack.routerRtpCapabilities).toBeDefined();
  if (giveCaps) await w.bot.ok('media.setRtpCapabilities', { rtpCapabilities: w.ack.routerRtpCapabilities! });
  const admitted = w.bot.waitFor('session.admitted');
  await circle.facilitator.bot.ok('facilitator.admit', { peerId: w.selfId, certificate: circle.certify(w) });
  return { ...w, room: await admitted };
}

describe('media prepared at admission', () => {
  it('a member who joins with its receive capabilities (from session.capabilities) gets its media with the admission', async () => {
    ({ server, circle } = await openCircle());
    const fays = await send(circle.facilitator.bot, ['mic']);
    const probe = await circle.connect();
    const { routerRtpCapabilities } = await probe.ok('session.capabilities', { sessionId: circle.session.sessionId });
    expect(await probe.request('session.capabilities', { sessionId: 'S'.repeat(22) })).toMatchObject({ ok: false, code: 'SESSION_NOT_FOUND' });
    const w = await circle.waiting('Ann', { rtpCapabilities: routerRtpCapabilities });
    expect(await w.bot.request('session.capabilities', { sessionId: circle.session.sessionId })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    const admitted = w.bot.waitFor('session.admitted');
    await circle.facilitator.bot.ok('facilitator.admit', { peerId: w.selfId, certificate: circle.certify(w) });
    const room = await admitted;
    expect(room.prepared?.consumers.map((c) => c.producerId)).toEqual([fays.mic]);
    // A moderator who joins with them is seated with its media at once.
    const inv = await circle.facilitator.bot.ok('facilitator.createInvite', { role: 'cofacilitator', maxUses: 1, ttlMinutes: 5 });
    const cora = await circle.waiting('Cora', { token: inv.token, rtpCapabilities: routerRtpCapabilities, selfSigned: 'cofacilitator' });
    expect(cora.ack.room?.prepared?.consumers.map((c) => c.producerId)).toEqual([fays.mic]);
  });

  it('makes both transports and a paused consumer of each microphone (not of cameras), ready to resume', async () => {
    ({ server, circle } = await openCircle());
    const fays = await send(circle.facilitator.bot, ['mic', 'camera']);
    const before = await mediaTotals(server.app);
    const ann = await admitWithCaps('Ann');
    const prepared = ann.room.prepared!;
    expect(prepared.send.id).not.toBe(prepared.recv.id);
    expect(prepared.consumers.map((c) => [c.producerId, c.kind, c.source])).toEqual([[fays.mic, 'audio', 'mic']]);
    const after = await mediaTotals(server.app);
    expect(after.transports - before.transports).toBe(2);
    expect(after.consumers - before.consumers).toBe(1);
    expect(after.pausedConsumers - before.pausedConsumers).toBe(1);
    // Real objects: they are Ann's own, and the same requests the browser makes work on them.
    expect(await ann.bot.request('media.createTransport', { direction: 'recv' })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    await ann.bot.ok('media.resumeConsumer', { consumerId: prepared.consumers[0]!.consumerId });
    expect((await mediaTotals(server.app)).pausedConsumers).toBe(before.pausedConsumers);
    // The camera is consumed the usual way.
    expect((await ann.bot.request('media.consume', { producerId: fays.camera! })).ok).toBe(true);
  });

  it('without capabilities from the waiting room nothing is made: the member sets media up after admission', async () => {
    ({ server, circle } = await openCircle());
    await send(circle.facilitator.bot, ['mic']);
    const before = await mediaTotals(server.app);
    const ben = await admitWithCaps('Ben', false);
    expect(ben.room.prepared).toBeUndefined();
    expect((await mediaTotals(server.app)).transports).toBe(before.transports);
    expect((await ben.bot.request('media.createTransport', { direction: 'recv' })).ok).toBe(true);
  });

  it('a waiting member who leaves after giving capabilities leaves nothing behind; the waiting room may not consume', async () => {
    ({ server, circle } = await openCircle());
    const fays = await send(circle.facilitator.bot, ['mic']);
    const before = await mediaTotals(server.app);
    const w = await circle.waiting('Wes');
    await w.bot.ok('media.setRtpCapabilities', { rtpCapabilities: w.ack.routerRtpCapabilities! });
    expect(await w.bot.request('media.consume', { producerId: fays.mic! })).toMatchObject({ ok: false, code: 'NOT_ADMITTED' });
    expect(await w.bot.request('media.createTransport', { direction: 'recv' })).toMatchObject({ ok: false, code: 'NOT_ADMITTED' });
    await w.bot.ok('session.leave', {});
    expect(await mediaTotals(server.app)).toEqual(before);
  });
});
