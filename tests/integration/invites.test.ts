import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANY_KEY, Circle, closeCircle, createSession, newDeviceId, openCircle } from '../support/circle.js';
import type { TestServer } from '../support/server.js';

let server: TestServer;
let circle: Circle;

beforeEach(async () => {
  ({ server, circle } = await openCircle());
});
afterEach(() => closeCircle({ server, circle }));

async function tryJoin(token: string, sessionId = circle.session.sessionId, deviceId = newDeviceId()) {
  const bot = await circle.connect();
  return bot.request('session.join', { sessionId, token, displayName: 'Tess', deviceId, e2eeKey: ANY_KEY });
}

describe('creating sessions over HTTP', () => {
  it('needs the admin key, and a valid body', async () => {
    const post = (auth: string | undefined, body: unknown) =>
      fetch(`${server.url}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post(undefined, { title: 'x' })).status).toBe(401);
    expect((await post('Bearer wrong-key-wrong-key-wrong-key-wrong', { title: 'x' })).status).toBe(401);
    expect((await post(`Bearer ${server.app.adminKey}`, { title: '' })).status).toBe(400);
    expect((await post(`Bearer ${server.app.adminKey}`, { title: 'x', kind: 'party' })).status).toBe(400);
    const ok = await post(`Bearer ${server.app.adminKey}`, { title: 'Tuesday group', kind: 'peer' });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ ok: true, sessionId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
  });
});

describe('invite tokens at the door', () => {
  it('a member invite lands in the waiting room, with no participant list', async () => {
    const ack = await tryJoin(circle.session.member.token);
    expect(ack).toMatchObject({ ok: true, data: { role: 'member', admitted: false, session: { title: 'Test group', kind: 'clinical' } } });
    expect(ack.ok && ack.data.room).toBeUndefined();
  });

  it('a forged signature is TOKEN_INVALID', async () => {
    const [h, p] = circle.session.member.token.split('.');
    expect(await tryJoin(`${h}.${p}.${'A'.repeat(86)}`)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
  });

  it('an expired invite is TOKEN_EXPIRED', async () => {
    const { token } = await server.app.tokens.issueInvite({ sessionId: circle.session.sessionId, role: 'member', maxUses: 5, ttlSeconds: -60 });
    expect(await tryJoin(token)).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' });
  });

  it('an invite for another session is TOKEN_INVALID', async () => {
    const other = await createSession(server);
    expect(await tryJoin(other.member.token)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
    expect(await tryJoin(circle.session.member.token, other.sessionId)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
  });

  it('a role the session does not have is TOKEN_INVALID, and cannot be minted by a facilitator either', async () => {
    const { token } = await server.app.tokens.issueInvite({ sessionId: circle.session.sessionId, role: 'secretary', maxUses: 5, ttlSeconds: 60 });
    expect(await tryJoin(token)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
    const minted = await circle.facilitator.bot.request('facilitator.createInvite', { role: 'secretary', maxUses: 1, ttlMinutes: 5 });
    expect(minted).toMatchObject({ ok: false, code: 'INVALID_STATE' });
  });

  it('an invite over its use limit is TOKEN_USED_UP for a new device, but lets its own device back', async () => {
    const inv = await circle.facilitator.bot.ok('facilitator.createInvite', { role: 'member', maxUses: 1, ttlMinutes: 30 });
    const device = newDeviceId();
    expect(await tryJoin(inv.token, undefined, device)).toMatchObject({ ok: true });
    expect(await tryJoin(inv.token)).toMatchObject({ ok: false, code: 'TOKEN_USED_UP' });
    expect(await tryJoin(inv.token, undefined, device)).toMatchObject({ ok: true });
  });

  it('a revoked invite is TOKEN_REVOKED', async () => {
    const inv = await circle.facilitator.bot.ok('facilitator.createInvite', { role: 'member', maxUses: 5, ttlMinutes: 30 });
    await circle.facilitator.bot.ok('facilitator.revokeInvite', { inviteId: inv.inviteId });
    expect(await tryJoin(inv.token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
    expect(await tryJoin(circle.session.member.token)).toMatchObject({ ok: true });
  });

  it('a co-facilitator cannot mint a facilitator invite; a facilitator can', async () => {
    const co = await circle.facilitator.bot.ok('facilitator.createInvite', { role: 'cofacilitator', maxUses: 1, ttlMinutes: 30 });
    const coBot = await circle.connect();
    const coSeat = await coBot.ok('session.join', { sessionId: circle.session.sessionId, token: co.token, displayName: 'Cora', deviceId: newDeviceId(), e2eeKey: ANY_KEY });
    expect(coSeat).toMatchObject({ role: 'cofacilitator', admitted: true });
    expect(await coBot.request('facilitator.createInvite', { role: 'facilitator', maxUses: 1, ttlMinutes: 5 })).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    expect(await coBot.request('facilitator.createInvite', { role: 'member', maxUses: 1, ttlMinutes: 5 })).toMatchObject({ ok: true });
  });

  it('after the session ends, its invites lead nowhere: SESSION_NOT_FOUND', async () => {
    await circle.facilitator.bot.ok('facilitator.end', {});
    expect(await tryJoin(circle.session.member.token)).toMatchObject({ ok: false, code: 'SESSION_NOT_FOUND' });
  });
});
