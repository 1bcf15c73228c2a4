import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANY_KEY, Circle, closeCircle, createSession, newDeviceId, openFastCircle } from '../support/circle.js';
import type { FastServer } from '../support/server.js';

// Issue 11: an invite is bound to the first device that opens its link (session.claim on the pre-join page), so
// the link found later in a shared device's history gets nowhere from another device.

let server: FastServer;
let circle: Circle;

beforeEach(async () => {
  ({ server, circle } = await openFastCircle());
});
afterEach(() => closeCircle({ server, circle }));

const sessionId = () => circle.session.sessionId;

/** A one-person member invite, as a facilitator makes it on the panel. */
const onePerson = () => circle.facilitator.bot.ok('facilitator.createInvite', { role: 'member', maxUses: 1, ttlMinutes: 30 });

async function claim(token: string, deviceId: string, id = sessionId()) {
  const bot = await circle.connect();
  return bot.request('session.claim', { sessionId: id, token, deviceId });
}

async function join(token: string, deviceId: string) {
  const bot = await circle.connect();
  const ack = await bot.request('session.join', { sessionId: sessionId(), token, displayName: 'Tess', deviceId, e2eeKey: ANY_KEY });
  return { bot, ack };
}

const waitingNames = () => server.app.sessions.get(sessionId())!.roster().waiting.map((w) => w.displayName);

describe('claiming an invite when its link is opened', () => {
  it('binds it to that device: another device is refused (claim and join), the same one is not (reload)', async () => {
    const inv = await onePerson();
    const phone = newDeviceId();
    expect(await claim(inv.token, phone)).toEqual({ ok: true, data: {} });
    expect(await claim(inv.token, newDeviceId())).toMatchObject({ ok: false, code: 'TOKEN_USED_UP' });
    expect((await join(inv.token, newDeviceId())).ack).toMatchObject({ ok: false, code: 'TOKEN_USED_UP' });
    expect(waitingNames()).toEqual([]);
    // The same device reloads the page: it claims again and joins.
    expect(await claim(inv.token, phone)).toEqual({ ok: true, data: {} });
    expect((await join(inv.token, phone)).ack).toMatchObject({ ok: true, data: { admitted: false } });
  });

  it('a group link binds one use per device, up to its limit', async () => {
    const inv = await circle.facilitator.bot.ok('facilitator.createInvite', { role: 'member', maxUses: 2, ttlMinutes: 30 });
    const [a, b] = [newDeviceId(), newDeviceId()];
    expect(await claim(inv.token, a)).toMatchObject({ ok: true });
    expect(await claim(inv.token, b)).toMatchObject({ ok: true });
    expect(await claim(inv.token, newDeviceId())).toMatchObject({ ok: false, code: 'TOKEN_USED_UP' });
    expect(await claim(inv.token, a)).toMatchObject({ ok: true });
  });

  it('needs the invite itself: forged, another session\'s, revoked, expired, or an ended session are refused and bind nothing', async () => {
    const inv = await onePerson();
    const [h, p] = inv.token.split('.');
    expect(await claim(`${h}.${p}.${'A'.repeat(86)}`, newDeviceId())).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
    const other = await createSession(server);
    expect(await claim(inv.token, newDeviceId(), other.sessionId)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
    const expired = await server.app.tokens.issueInvite({ sessionId: sessionId(), role: 'member', maxUses: 1, ttlSeconds: -60 });
    expect(await claim(expired.token, newDeviceId())).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' });
    const wrongRole = await server.app.tokens.issueInvite({ sessionId: sessionId(), role: 'secretary', maxUses: 1, ttlSeconds: 60 });
    expect(await claim(wrongRole.token, newDeviceId())).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
    // None of those bound the one-person invite: its member's device still gets it.
    expect(await claim(inv.token, newDeviceId())).toMatchObject({ ok: true });
    const revoked = await onePerson();
    await circle.facilitator.bot.ok('facilitator.revokeInvite', { inviteId: revoked.inviteId });
    expect(await claim(revoked.token, newDeviceId())).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    await circle.facilitator.bot.ok('facilitator.end', {});
    expect(await claim(circle.session.member.token, newDeviceId())).toMatchObject({ ok: false, code: 'SESSION_NOT_FOUND' });
  });

  it('one socket cannot spend a group link\'s uses in a burst: three claims, then RATE_LIMITED; and only from outside', async () => {
    const bot = await circle.connect();
    const token = circle.session.member.token;
    for (let i = 0; i < 3; i++) expect(await bot.request('session.claim', { sessionId: sessionId(), token, deviceId: newDeviceId() })).toMatchObject({ ok: true });
    expect(await bot.request('session.claim', { sessionId: sessionId(), token, deviceId: newDeviceId() })).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    const { bot: seated } = await join(token, newDeviceId());
    expect(await seated.request('session.claim', { sessionId: sessionId(), token, deviceId: newDeviceId() })).toMatchObject({ ok: false, code: 'INVALID_STATE' });
  });
});

describe('leaving the waiting room, and the invite', () => {
  it('a quick exit keeps the use bound to the device: the link gets nowhere from another device', async () => {
    const inv = await onePerson();
    const device = newDeviceId();
    expect(await claim(inv.token, device)).toMatchObject({ ok: true });
    const { bot } = await join(inv.token, device);
    const gone = circle.facilitator.bot.waitFor('facilitator.roster', (r) => r.waiting.length === 0);
    await bot.ok('session.leave', { quickExit: true });
    await gone;
    bot.close();
    expect(await claim(inv.token, newDeviceId())).toMatchObject({ ok: false, code: 'TOKEN_USED_UP' });
    expect((await join(inv.token, newDeviceId())).ack).toMatchObject({ ok: false, code: 'TOKEN_USED_UP' });
    expect(waitingNames()).toEqual([]);
  });

  it('a plain Leave from the waiting room gives the use back (another device may then use the link)', async () => {
    const inv = await onePerson();
    const device = newDeviceId();
    expect(await claim(inv.token, device)).toMatchObject({ ok: true });
    const { bot } = await join(inv.token, device);
    await bot.ok('session.leave', {});
    expect(await claim(inv.token, newDeviceId())).toMatchObject({ ok: true });
  });

  it('a waiting member whose link drops keeps the use (the same device knocks again)', async () => {
    const inv = await onePerson();
    const device = newDeviceId();
    const { bot } = await join(inv.token, device);
    const gone = circle.facilitator.bot.waitFor('facilitator.roster', (r) => r.waiting.length === 0);
    bot.socket.io.engine.close(); // the transport dies: the server sees a dropped link, not a goodbye
    await gone;
    expect(await claim(inv.token, newDeviceId())).toMatchObject({ ok: false, code: 'TOKEN_USED_UP' });
    expect((await join(inv.token, device)).ack).toMatchObject({ ok: true, data: { admitted: false } });
  });
});
