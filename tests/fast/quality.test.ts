import { afterEach, describe, expect, it } from 'vitest';
import { closeCircle, openFastCircle, type Circle } from '../support/circle.js';
import type { FastServer } from '../support/server.js';

// A member's own measure of their link (good / weak / poor, and what Hearth did about it) reaches the facilitator
// panel, and nothing else. The measuring itself: client/src/media/QualityMonitor.test.ts.

let server: FastServer;
let circle: Circle;
afterEach(() => closeCircle({ server, circle }));

describe('connection quality on the facilitator panel', () => {
  it('shows what the member reported, with what Hearth did; a malformed report changes nothing', async () => {
    ({ server, circle } = await openFastCircle());
    const ann = await circle.member('Ann');
    const fay = circle.facilitator.bot;
    await ann.bot.ok('media.reportQuality', { level: 'poor', adapted: 'audioOnly' });
    const roster = await fay.waitFor('facilitator.roster', (r) => r.members.some((m) => m.id === ann.selfId && m.link?.level === 'poor'));
    expect(roster.members.find((m) => m.id === ann.selfId)?.link).toEqual({ level: 'poor', adapted: 'audioOnly' });
    const bad = await ann.bot.request('media.reportQuality', { level: 'terrible' } as never);
    expect(bad).toMatchObject({ ok: false, code: 'BAD_MESSAGE' });
    await ann.bot.ok('media.reportQuality', { level: 'good' });
    await fay.waitFor('facilitator.roster', (r) => r.members.some((m) => m.id === ann.selfId && m.link?.level === 'good' && !m.link.adapted));
  });

  it('a waiting member cannot report (not in the circle)', async () => {
    ({ server, circle } = await openFastCircle());
    const wes = await circle.waiting('Wes');
    expect(await wes.bot.request('media.reportQuality', { level: 'good' })).toMatchObject({ ok: false, code: 'NOT_ADMITTED' });
  });
});
