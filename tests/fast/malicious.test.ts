import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOT_RTP, type Bot } from '../support/Bot.js';
import { closeCircle, openFastCircle, type Circle, type Seat } from '../support/circle.js';
import { MaliciousServer, NOBODY } from '../support/malicious.js';
import { sleep, type FastServer } from '../support/server.js';

// The malicious-server decorators themselves (tests/support/malicious.ts), checked at the wire on the fake media
// port: the browser tests (e2e/e2ee.test.ts, e2e/groupkeys.test.ts) rely on them doing exactly this.

let server: FastServer;
let circle: Circle;
const evil = new MaliciousServer();
const fay = () => circle.facilitator.bot;

beforeEach(async () => {
  evil.reset();
  ({ server, circle } = await openFastCircle({}, evil.options));
});
afterEach(() => closeCircle({ server, circle }));

/** Ann sends a microphone that Cal consumes (and resumes). */
async function calHearsAnn(ann: Seat, cal: Seat) {
  const t = await ann.bot.ok('media.createTransport', { direction: 'send' });
  const mic = await ann.bot.ok('media.produce', { transportId: t.id, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio });
  await cal.bot.ok('media.setRtpCapabilities', { rtpCapabilities: cal.room.routerRtpCapabilities });
  await cal.bot.ok('media.createTransport', { direction: 'recv' });
  const c = await cal.bot.ok('media.consume', { producerId: mic.producerId });
  await cal.bot.ok('media.resumeConsumer', { consumerId: c.consumerId });
}

const envelopes = (...to: string[]) => ({ epoch: 1, envelopes: to.map((id) => ({ to: id, nonce: 'N'.repeat(32), box: 'X'.repeat(120) })) });

describe('a malicious server, as decorators over the ports', () => {
  it('learns who is who from what it relays', async () => {
    const ann = await circle.member('Ann');
    expect(evil.idOf('Ann')).toBe(ann.selfId);
    expect(evil.nameOf(circle.facilitator.selfId)).toBe('Fay');
  });

  it('relayEnvelope alters the key envelopes a member receives', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    evil.relayEnvelope = (env, to) => (evil.nameOf(to) === 'Ben' ? { ...env, box: 'Y'.repeat(120) } : env);
    await fay().ok('e2ee.distribute', envelopes(ann.selfId, ben.selfId));
    expect((await ann.bot.waitFor('e2ee.key')).box).toBe('X'.repeat(120));
    expect((await ben.bot.waitFor('e2ee.key')).box).toBe('Y'.repeat(120));
  });

  it('silentRemoval: the others learn it, the removed member hears nothing, keeps its socket and its media', async () => {
    const ann = await circle.member('Ann');
    const cal = await circle.member('Cal');
    await calHearsAnn(ann, cal);
    evil.silentRemoval('Cal');
    await fay().ok('facilitator.remove', { peerId: cal.selfId, revocation: circle.revocation(cal) });
    expect(await ann.bot.waitFor('peer.left')).toEqual({ peerId: cal.selfId, revocation: circle.revocation(cal) });
    await sleep(150);
    expect(cal.bot.socket.connected).toBe(true);
    expect(cal.bot.eventsOf('session.closing')).toEqual([]);
    expect(cal.bot.eventsOf('peer.left')).toEqual([]);
    expect(server.media.live()[0]!.members()).toContain(cal.selfId);
    expect(await server.media.totals()).toMatchObject({ consumers: 1, pausedConsumers: 0 });
    // ...but the session itself has let Cal go: he is no longer in the circle.
    expect(await cal.bot.request('turn.request', {})).toMatchObject({ ok: false, code: 'INVALID_STATE' });
  });

  it("silentRemoval 'unannounced': nobody is told, a forged peer.left goes out, the panel still lists the removed", async () => {
    const ann = await circle.member('Ann');
    const cal = await circle.member('Cal');
    await calHearsAnn(ann, cal);
    evil.silentRemoval(cal.selfId, 'unannounced');
    await fay().ok('facilitator.remove', { peerId: cal.selfId });
    for (const bot of [ann.bot, fay()] as Bot[]) expect(await bot.waitFor('peer.left')).toEqual({ peerId: NOBODY });
    const roster = await fay().waitFor('facilitator.roster', (r) => r.audit.at(-1)?.action === 'removed');
    expect(roster.members.map((m) => m.displayName)).toEqual(['Fay', 'Ann', 'Cal']);
    expect(cal.bot.socket.connected).toBe(true);
    expect(cal.bot.eventsOf('session.closing')).toEqual([]);
    expect(await server.media.totals()).toMatchObject({ consumers: 1 });
  });

  it('an honest server again after reset(): removal closes and frees as usual', async () => {
    const cal = await circle.member('Cal');
    evil.silentRemoval('Cal');
    evil.reset();
    const gone = cal.bot.disconnected();
    await fay().ok('facilitator.remove', { peerId: cal.selfId });
    await gone;
    expect(server.media.live()[0]!.members()).not.toContain(cal.selfId);
  });

  it('seats a "facilitator" nobody admitted with an invite it mints itself, but cannot give it a certificate', async () => {
    const ann = await circle.member('Ann');
    const { token } = await server.app.tokens.issueInvite({ sessionId: circle.session.sessionId, role: 'facilitator', maxUses: 1, ttlSeconds: 600 });
    const mallory = await circle.waiting('Mallory', { token });
    expect(mallory.ack).toMatchObject({ role: 'facilitator', admitted: true });
    const seen = await ann.bot.waitFor('peer.joined', (p) => p.id === mallory.selfId);
    expect(seen).toMatchObject({ role: 'facilitator' });
    expect(seen.certificate).toBeUndefined();
    // Unsigned, it never leads the keys.
    expect(await mallory.bot.request('e2ee.distribute', envelopes(ann.selfId))).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
  });
});
