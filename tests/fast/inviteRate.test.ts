import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANY_KEY, Circle, closeCircle, newDeviceId, openFastCircle } from '../support/circle.js';
import { DEVICES_PER_INVITE_PER_MINUTE, MAX_INVITES_PER_SESSION } from '../../server/src/room/InviteBook.js';
import type { FastServer } from '../support/server.js';

// Issue 13: a leaked group link cannot be used by a script to bind hundreds of devices: one invite binds at most
// DEVICES_PER_INVITE_PER_MINUTE new devices per minute (claim or join), then RATE_LIMITED; bound devices still pass.
// And every per-session record that grows with input is bounded (invites, the reaction pacing map).

let server: FastServer;
let circle: Circle;
beforeEach(async () => {
  ({ server, circle } = await openFastCircle({ sessions: { maxPeers: 50, maxWaiting: 200 } }));
});
afterEach(() => closeCircle({ server, circle }));

describe('new devices per invite', () => {
  it('a claim flood with one link is cut at the per-minute cap; a new device cannot join with it either, a bound one can', async () => {
    const inv = await circle.facilitator.bot.ok('facilitator.createInvite', { role: 'member', maxUses: 50, ttlMinutes: 30 });
    const sessionId = circle.session.sessionId;
    const devices: string[] = [];
    const codes: string[] = [];
    for (let i = 0; i < DEVICES_PER_INVITE_PER_MINUTE + 3; i++) {
      const bot = await circle.connect();
      const deviceId = newDeviceId();
      const ack = await bot.request('session.claim', { sessionId, token: inv.token, deviceId });
      codes.push(ack.ok ? 'ok' : ack.code);
      if (ack.ok) devices.push(deviceId);
      bot.close();
    }
    expect(codes.filter((c) => c === 'ok')).toHaveLength(DEVICES_PER_INVITE_PER_MINUTE);
    expect(codes.slice(DEVICES_PER_INVITE_PER_MINUTE)).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    const join = async (deviceId: string) => (await circle.connect()).request('session.join', {
      sessionId, token: inv.token, displayName: 'Tess', deviceId, e2eeKey: ANY_KEY,
    });
    expect(await join(newDeviceId())).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    expect(await join(devices[0]!)).toMatchObject({ ok: true });
  });

  it('a session holds at most MAX_INVITES_PER_SESSION invites: the facilitator is then refused, typed, and nothing changes', async () => {
    await closeCircle({ server, circle });
    ({ server, circle } = await openFastCircle({}, { rateLimit: { burst: 1000, perSecond: 1000 } }));
    const fay = circle.facilitator.bot;
    const invite = () => fay.request('facilitator.createInvite', { role: 'member', maxUses: 1, ttlMinutes: 30 });
    const codes: string[] = [];
    for (let i = 0; i < MAX_INVITES_PER_SESSION + 5; i++) {
      const ack = await invite();
      codes.push(ack.ok ? 'ok' : ack.code);
    }
    // The session started with two (the facilitator's and the members').
    expect(codes.filter((c) => c === 'ok')).toHaveLength(MAX_INVITES_PER_SESSION - 2);
    expect(codes.slice(-7)).toEqual(Array(7).fill('INVALID_STATE'));
    expect(server.app.sessions.get(circle.session.sessionId)!.invites.size).toBe(MAX_INVITES_PER_SESSION);
  });

  it('the reaction pacing map keeps only recent reactors: members who reacted and left do not pile up (at most the circle, plus the newest)', async () => {
    await closeCircle({ server, circle });
    ({ server, circle } = await openFastCircle({ sessions: { maxPeers: 4 } }));
    const fay = circle.facilitator.bot;
    const inv = await fay.ok('facilitator.createInvite', { role: 'member', maxUses: 50, ttlMinutes: 30 });
    for (let i = 0; i < 12; i++) {
      const w = await circle.waiting(`R${i}`, { token: inv.token });
      const admitted = w.bot.waitFor('session.admitted');
      await fay.ok('facilitator.admit', { peerId: w.selfId });
      await admitted;
      await w.bot.ok('turn.react', { reaction: 'heart' });
      await w.bot.ok('session.leave', {});
    }
    const session = server.app.sessions.get(circle.session.sessionId)! as unknown as { lastReaction: Map<string, number> };
    expect(session.lastReaction.size).toBeLessThanOrEqual(4 + 1);
  });
});
