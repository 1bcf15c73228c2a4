import { afterEach, expect, it } from 'vitest';
import { closeCircle, openFastCircle, type Circle } from '../support/circle.js';
import type { FastServer } from '../support/server.js';

// A member away (link dropped) while the facilitator ends the session comes back to a server that still runs: the
// answer must be SESSION_ENDED ("the facilitator ended the session"), not SESSION_NOT_FOUND, which the page reads as
// "the server restarted" (a restarted server knows nothing of its sessions: tests/e2e/faults.test.ts).

let server: FastServer;
let circle: Circle;
afterEach(() => closeCircle({ server, circle }));

it('resuming into a session that ended meanwhile is answered SESSION_ENDED; an unknown one SESSION_NOT_FOUND', async () => {
  ({ server, circle } = await openFastCircle());
  const ann = await circle.member('Ann');
  await ann.bot.cut();
  await circle.facilitator.bot.waitFor('peer.away', (e) => e.peerId === ann.selfId && e.away);
  expect(await circle.facilitator.bot.request('facilitator.end', {})).toMatchObject({ ok: true });
  const bot = await circle.connect();
  const ack = await bot.request('session.resume', { sessionId: circle.session.sessionId, resumeToken: ann.room.resume!.token });
  expect(ack).toMatchObject({ ok: false, code: 'SESSION_ENDED' });
  const other = await bot.request('session.resume', { sessionId: 'S'.repeat(22), resumeToken: ann.room.resume!.token });
  expect(other).toMatchObject({ ok: false, code: 'SESSION_NOT_FOUND' });
});
