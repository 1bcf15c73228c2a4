import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeCircle, openFastCircle, type Circle } from '../support/circle.js';
import { eventually, type FastServer } from '../support/server.js';

// Found by the accelerated long session (tests/integration/longsession.test.ts): a timer may fire a millisecond or
// two before Date.now() reaches the time it was set for (timers run on a monotonic clock, Date.now() on the wall
// clock). The grace's end was then ignored as too early, and nothing woke the session again: the member stayed
// "away" on the panel for the rest of the session, holding a seat and its media.

let server: FastServer;
let circle: Circle;
afterEach(async () => {
  vi.restoreAllMocks();
  await closeCircle({ server, circle });
});

describe('the end of a reconnect grace', () => {
  it('comes even when the timer fires before the wall clock says it is time', { timeout: 20_000 }, async () => {
    ({ server, circle } = await openFastCircle({ sessions: { reconnectGraceSeconds: 5 } }));
    const ann = await circle.member('Ann');
    await ann.bot.cut();
    await circle.facilitator.bot.waitFor('peer.away', (e) => e.peerId === ann.selfId && e.away);
    // From now on the wall clock reads 3 ms behind the timers' clock.
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 3);
    await eventually(() => circle.facilitator.bot.eventsOf('peer.left').some((e) => e.peerId === ann.selfId), 12_000, 'Ann gone after the grace');
    expect(server.app.sessions.list()[0]!.roster().members.map((m) => m.displayName)).toEqual(['Fay']);
  });
});
