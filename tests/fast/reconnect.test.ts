import { afterEach, describe, expect, it } from 'vitest';
import { Bot } from '../support/Bot.js';
import { closeCircle, openFastCircle, type Circle, type Seat } from '../support/circle.js';
import { mic } from '../support/media.js';
import { eventually, sleep, type FastServer } from '../support/server.js';

// A dropped link (the socket's transport dies without a goodbye) makes the member `away`: the seat, role, stick
// queue place, media and keys wait for them; `session.resume` on a new socket takes the seat back without the
// waiting room; after the grace they are gone. The browser side (real cuts of a shaped link): tests/e2e/reconnect.

let server: FastServer;
let circle: Circle;
afterEach(() => closeCircle({ server, circle }));

async function resumeOn(seat: Seat, token = seat.room.resume!.token): Promise<{ bot: Bot; ack: Awaited<ReturnType<Bot['request']>> }> {
  const bot = await circle.connect();
  const ack = await bot.request('session.resume', { sessionId: circle.session.sessionId, resumeToken: token });
  return { bot, ack };
}

const roster = () => circle.facilitator.bot.eventsOf('facilitator.roster').at(-1)!;
const awayIn = (id: string) => roster().members.find((m) => m.id === id)?.away;

describe('a dropped link', () => {
  it('keeps the seat: the others see the member away, then back on a new socket, with the same seat and producers', async () => {
    ({ server, circle } = await openFastCircle());
    const ann = await circle.member('Ann');
    const annsMic = await mic(ann.bot);
    expect(ann.room.resume).toMatchObject({ graceMs: 60_000 });
    await ann.bot.cut();
    await circle.facilitator.bot.waitFor('peer.away', (e) => e.peerId === ann.selfId && e.away);
    await eventually(() => awayIn(ann.selfId) === true, 2000, 'away on the panel');
    // Nothing left: no peer.left, and the media objects wait.
    expect(circle.facilitator.bot.eventsOf('peer.left')).toEqual([]);
    expect((await server.media.totals()).producers).toBeGreaterThan(0);

    const { bot, ack } = await resumeOn(ann);
    expect(ack).toMatchObject({ ok: true, data: { selfId: ann.selfId, role: 'member', room: { self: { seq: ann.room.self.seq } } } });
    const back = (ack as { data: { room: { self: { producers: { id: string }[] }; resume: { token: string } } } }).data.room;
    expect(back.self.producers.map((p) => p.id)).toEqual([annsMic]);
    expect(back.resume.token).not.toBe(ann.room.resume!.token); // a token works once
    await circle.facilitator.bot.waitFor('peer.away', (e) => e.peerId === ann.selfId && !e.away);
    await eventually(() => awayIn(ann.selfId) === false, 2000, 'back on the panel');
    // The new socket is the member's: it may act in the circle at once (no waiting room).
    expect((await bot.request('media.setProducerPaused', { producerId: annsMic, paused: true })).ok).toBe(true);
    // The old token is spent.
    expect((await resumeOn(ann)).ack).toMatchObject({ ok: false, code: 'RESUME_EXPIRED' });
  });

  it('keeps the place in the stick queue and the stick itself', async () => {
    ({ server, circle } = await openFastCircle());
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    await circle.facilitator.bot.ok('facilitator.setTurnMode', { mode: 'stick' });
    await ann.bot.ok('turn.request', {});
    await ben.bot.ok('turn.request', {});
    await ann.bot.cut();
    await ben.bot.cut();
    await circle.facilitator.bot.waitFor('peer.away', (e) => e.peerId === ben.selfId && e.away);
    const annBack = await resumeOn(ann);
    const benBack = await resumeOn(ben);
    expect(annBack.ack.ok && benBack.ack.ok).toBe(true);
    const state = await benBack.bot.waitFor('turn.state');
    expect(state).toMatchObject({ holder: ann.selfId, queue: [ben.selfId] });
  });

  it('a resume before the server noticed the drop replaces the old socket', async () => {
    ({ server, circle } = await openFastCircle());
    const ann = await circle.member('Ann');
    const { ack } = await resumeOn(ann);
    expect(ack.ok).toBe(true);
    await ann.bot.disconnected(); // the old connection yields (REPLACED)
    expect(ann.bot.eventsOf('session.closing')).toEqual([{ code: 'REPLACED' }]);
    await sleep(100);
    expect(circle.facilitator.bot.eventsOf('peer.left')).toEqual([]);
  });

  it('a deliberate disconnect is a leave, not an away', async () => {
    ({ server, circle } = await openFastCircle());
    const ann = await circle.member('Ann');
    ann.bot.close();
    await circle.facilitator.bot.waitFor('peer.left', (e) => e.peerId === ann.selfId);
    expect(circle.facilitator.bot.eventsOf('peer.away')).toEqual([]);
  });

  it('after the grace the member is gone for the others, and the token no longer works', async () => {
    ({ server, circle } = await openFastCircle({ sessions: { reconnectGraceSeconds: 5 } }));
    const ann = await circle.member('Ann');
    await mic(ann.bot);
    await ann.bot.cut();
    await circle.facilitator.bot.waitFor('peer.away', (e) => e.peerId === ann.selfId && e.away);
    // The grace is 5 s; the rest is headroom for a loaded CI machine (all suites share its two cores).
    await circle.facilitator.bot.waitFor('peer.left', (e) => e.peerId === ann.selfId, 15_000);
    expect((await server.media.totals()).producers).toBe(0);
    expect((await resumeOn(ann)).ack).toMatchObject({ ok: false, code: 'RESUME_EXPIRED' });
  }, 40_000);

  it('refuses a made-up token and a token for another session, changing nothing', async () => {
    ({ server, circle } = await openFastCircle());
    const ann = await circle.member('Ann');
    await ann.bot.cut();
    expect((await resumeOn(ann, 'A'.repeat(22))).ack).toMatchObject({ ok: false, code: 'RESUME_EXPIRED' });
    const bot = await circle.connect();
    const other = await bot.request('session.resume', { sessionId: 'S'.repeat(22), resumeToken: ann.room.resume!.token });
    expect(other).toMatchObject({ ok: false, code: 'SESSION_NOT_FOUND' });
    // Still away, still resumable with the real token.
    expect((await resumeOn(ann)).ack.ok).toBe(true);
  });

  it('a member whose link drops in the waiting room simply leaves it', async () => {
    ({ server, circle } = await openFastCircle());
    const wes = await circle.waiting('Wes');
    await circle.facilitator.bot.waitFor('facilitator.roster', (r) => r.waiting.some((w) => w.id === wes.selfId));
    await wes.bot.cut();
    await circle.facilitator.bot.waitFor('facilitator.roster', (r) => r.waiting.length === 0);
  });
});
