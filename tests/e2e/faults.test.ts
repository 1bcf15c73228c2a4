import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../server/src/room/Session.js';
import { launchChromium, tileNames } from '../support/browser.js';
import { audioPacketsOver, threeInACircle } from '../support/scene.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

// Faults a real session must survive (issue 13). A member's tab freezes while holding the talking stick: the page
// runs no JavaScript any more (its socket answers no ping), though its process and network are still there. The
// server must notice (socket.io ping timeout: 5 s interval + 8 s timeout), keep the seat for the reconnect grace
// (5 s here, the configured minimum) and then take the member out of the circle and off the floor: the stick goes
// to the next in the queue and the others see and hear that without anyone clicking.

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
const GRACE_SECONDS = 5;

function idOf(session: Session, name: string): string {
  const id = session.roster().members.find((m) => m.displayName === name)?.id;
  if (!id) throw new Error(`${name} is not in the roster`);
  return id;
}

describe('a frozen tab holding the talking stick', () => {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let fay: Page;
  let ben: Page;
  let cal: Page;
  let session: Session;

  beforeAll(async () => {
    if (!fs.existsSync(`${CLIENT_DIR}/index.html`)) throw new Error('client not built: run the build first');
    server = await startServer({ clientDir: CLIENT_DIR, sessions: { reconnectGraceSeconds: GRACE_SECONDS } });
    browser = await launchChromium();
    const scene = await threeInACircle(server, browser);
    ({ fay, ben, cal } = scene);
    session = server.app.sessions.get(scene.links.session.sessionId)!;
    // The talking stick: Ben holds it, Cal waits in the queue behind him.
    await fay.getByRole('button', { name: 'Talking stick' }).click();
    await ben.getByRole('button', { name: 'Request the stick' }).click();
    await ben.getByRole('button', { name: 'Pass the stick' }).waitFor();
    await cal.getByRole('button', { name: 'Request the stick' }).click();
    await cal.getByRole('button', { name: 'Cancel request' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('is seen away, then after the grace is off the floor: the stick passes to the next in the queue', async () => {
    const benId = idOf(session, 'Ben');
    const calId = idOf(session, 'Cal');
    expect(session.floor.view()).toMatchObject({ mode: 'stick', holder: benId, queue: [calId] });

    // Freeze Ben's tab: the page's JavaScript stops where it stands (as a hung script would), nothing of it runs.
    const cdp = await ben.context().newCDPSession(ben);
    await cdp.send('Debugger.enable');
    const frozenAt = Date.now();
    await cdp.send('Debugger.pause');

    // The server notices the silent socket: Ben is away, and during the grace he keeps his seat and the stick.
    const away = () => session.roster().members.find((m) => m.id === benId)?.away === true;
    await eventually(away, 40_000, 'Ben seen away');
    const awayAfter = Date.now() - frozenAt;
    expect(session.floor.view().holder).toBe(benId);
    expect(session.standingOf(benId)).toBe('admitted');

    // Past the grace he is gone, and the stick has moved on to Cal by itself.
    await eventually(() => session.floor.view().holder === calId, (GRACE_SECONDS + 20) * 1000, 'the stick passed to Cal');
    const movedAfter = Date.now() - frozenAt;
    console.info(`frozen tab: away after ${awayAfter} ms, stick moved on ${movedAfter} ms after the freeze (grace ${GRACE_SECONDS} s)`);
    expect(session.standingOf(benId)).toBe('outside');
    expect(session.floor.view().queue).not.toContain(benId);

    // The others see it: Cal's page offers to pass the stick (she holds it), Ben's tile is gone from Fay's page,
    // and Fay now hears Cal.
    await cal.getByRole('button', { name: 'Pass the stick' }).waitFor({ timeout: 10_000 });
    await eventually(async () => !(await tileNames(fay)).includes('Ben'), 10_000, 'Ben gone from Fay’s page');
    await eventually(async () => ((await audioPacketsOver(fay, 'Cal', 1200)) ?? 0) > 2, 10_000, 'Fay hears Cal');
  }, 120_000);
});
