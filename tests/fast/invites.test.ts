import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANY_KEY, Circle, closeCircle, createSession, newDeviceId, openFastCircle } from '../support/circle.js';
import type { FastServer } from '../support/server.js';

// Invites at the door, on the in-memory media port (they need nothing of the SFU; issue 9: logic runs here only).

let server: FastServer;
let circle: Circle;

beforeEach(async () => {
  ({ server, circle } = await openFastCircle());
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
    const signingKey = circle.session.signingPublicKey;
    const admin = `Bearer ${server.app.adminKey}`;
    expect((await post(undefined, { title: 'x', signingKey })).status).toBe(401);
    expect((await post('Bearer wrong-key-wrong-key-wrong-key-wrong', { title: 'x', signingKey })).status).toBe(401);
    expect((await post(admin, { title: '', signingKey })).status).toBe(400);
    expect((await post(admin, { title: 'x', kind: 'party', signingKey })).status).toBe(400);
    // The session signing key's public half is required: 43 base64url characters (32 bytes).
    expect((await post(admin, { title: 'x' })).status).toBe(400);
    expect((await post(admin, { title: 'x', signingKey: signingKey.slice(1) })).status).toBe(400);
    expect((await post(admin, { title: 'x', signingKey: `${signingKey.slice(1)}+` })).status).toBe(400);
    const ok = await post(admin, { title: 'Tuesday group', kind: 'peer', signingKey });
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

  it('only invites of this session can be revoked: another session\'s invite id is NOT_FOUND and stays valid', async () => {
    const other = await createSession(server);
    for (const inviteId of [other.member.inviteId, other.facilitator.inviteId, 'made-up-invite-id']) {
      expect(await circle.facilitator.bot.request('facilitator.revokeInvite', { inviteId })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    }
    expect(server.app.sessions.get(other.sessionId)!.invites.isRevoked(other.member.inviteId)).toBe(false);
    expect(await tryJoin(other.member.token, other.sessionId)).toMatchObject({ ok: true });
    // The session's own invites, made at creation, can be.
    await circle.facilitator.bot.ok('facilitator.revokeInvite', { inviteId: circle.session.member.inviteId });
    expect(await tryJoin(circle.session.member.token)).toMatchObject({ ok: false, code: 'TOKEN_REVOKED' });
  });

  it('a device that leaves before it was ever admitted gives its use of the invite back', async () => {
    const inv = await circle.facilitator.bot.ok('facilitator.createInvite', { role: 'member', maxUses: 2, ttlMinutes: 30 });
    for (let i = 0; i < 16; i++) {
      const bot = await circle.connect();
      await bot.ok('session.join', { sessionId: circle.session.sessionId, token: inv.token, displayName: `Throwaway ${i}`, deviceId: newDeviceId(), e2eeKey: ANY_KEY });
      if (i % 2 === 0) await bot.ok('session.leave', {});
      else {
        const seen = circle.facilitator.bot.eventsOf('facilitator.roster').length;
        bot.close();
        await circle.facilitator.bot.waitFor('facilitator.roster', (r) => r.waiting.length === 0 && circle.facilitator.bot.eventsOf('facilitator.roster').length > seen);
        expect(server.app.sessions.get(circle.session.sessionId)!.roster().waiting).toHaveLength(0);
      }
    }
    expect(await tryJoin(inv.token)).toMatchObject({ ok: true, data: { admitted: false } });
  });

  it('an admitted device keeps its use after leaving; a removed one does not give its use back', async () => {
    const inv = await circle.facilitator.bot.ok('facilitator.createInvite', { role: 'member', maxUses: 1, ttlMinutes: 30 });
    const ann = await circle.waiting('Ann', { token: inv.token });
    const admitted = ann.bot.waitFor('session.admitted');
    await circle.facilitator.bot.ok('facilitator.admit', { peerId: ann.selfId });
    await admitted;
    await ann.bot.ok('session.leave', {});
    expect(await tryJoin(inv.token)).toMatchObject({ ok: false, code: 'TOKEN_USED_UP' });
    const inv2 = await circle.facilitator.bot.ok('facilitator.createInvite', { role: 'member', maxUses: 1, ttlMinutes: 30 });
    const wes = await circle.waiting('Wes', { token: inv2.token });
    await circle.facilitator.bot.ok('facilitator.remove', { peerId: wes.selfId });
    expect(await tryJoin(inv2.token)).toMatchObject({ ok: false, code: 'TOKEN_USED_UP' });
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
