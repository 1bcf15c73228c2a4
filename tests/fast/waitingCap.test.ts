import { afterEach, describe, expect, it } from 'vitest';
import { closeCircle, newDeviceId, openFastCircle, type Circle } from '../support/circle.js';
import { eventually, type FastServer } from '../support/server.js';

// Issue 13: a flood of waiting sockets fills the waiting room up to its cap and is then refused (ROOM_FULL,
// 'waiting room full'), but never turns away a moderator arriving, a member resuming a dropped seat, or an admitted
// member coming back on their device.

let server: FastServer;
let circle: Circle;
afterEach(() => closeCircle({ server, circle }));

async function flood(n: number): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < n; i++) {
    const bot = await circle.connect();
    const ack = await bot.request('session.join', {
      sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: `Flood ${i}`,
      deviceId: newDeviceId(), e2eeKey: (await circle.key()).wire,
    });
    codes.push(ack.ok ? 'ok' : `${ack.code}${ack.message ? `: ${ack.message}` : ''}`);
  }
  return codes;
}

describe('a full waiting room', () => {
  it('refuses more waiting arrivals, typed; moderators, resuming and returning members still get in', async () => {
    ({ server, circle } = await openFastCircle({ sessions: { maxPeers: 10, maxWaiting: 4 } }));
    const fay = circle.facilitator.bot;
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const cofac = await fay.ok('facilitator.createInvite', { role: 'cofacilitator', maxUses: 1, ttlMinutes: 30 });

    const codes = await flood(7);
    expect(codes.slice(0, 4)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(codes.slice(4)).toEqual(Array(3).fill('ROOM_FULL: waiting room full'));
    const session = server.app.sessions.get(circle.session.sessionId)!;
    expect(session.roster().waiting).toHaveLength(4);

    // A co-facilitator arriving goes straight in.
    const co = await circle.waiting('Cora', { token: cofac.token });
    expect(co.ack).toMatchObject({ role: 'cofacilitator', admitted: true });

    // Ann's link drops; she resumes her seat on a new socket.
    await ann.bot.cut();
    await eventually(() => session.roster().members.some((m) => m.id === ann.selfId && m.away), 3000, 'Ann away');
    const annBack = await circle.connect();
    expect(await annBack.request('session.resume', { sessionId: circle.session.sessionId, resumeToken: ann.room.resume!.token }))
      .toMatchObject({ ok: true, data: { selfId: ann.selfId } });

    // Ben leaves and comes back on the same device: admitted before, so no waiting.
    await ben.bot.ok('session.leave', {});
    const benBack = await circle.connect();
    expect(await benBack.request('session.join', {
      sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: 'Ben', deviceId: ben.deviceId, e2eeKey: ben.key.wire,
    })).toMatchObject({ ok: true, data: { selfId: ben.selfId, admitted: true } });

    // The flood is still refused, and the waiting room still holds exactly its cap.
    expect(await flood(2)).toEqual(Array(2).fill('ROOM_FULL: waiting room full'));
    expect(session.roster().waiting).toHaveLength(4);
  });
});
