import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../server/src/room/Session.js';
import { admitFromPanel, arrive, launchChromium, tileNames } from '../support/browser.js';
import { MAIN } from '../support/cluster.js';
import { sessionLinks } from '../support/links.js';
import { audioPacketsOver, threeInACircle } from '../support/scene.js';
import { eventually, freePort, startServer, type TestServer } from '../support/server.js';

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

/** The server as the operator runs it (node server/dist/main.js), on fixed ports so a restart comes back on them. */
async function startProcess(env: NodeJS.ProcessEnv, url: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => void (err = (err + d.toString()).slice(-5_000)));
  await eventually(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true, 30_000, 'server up')
    .catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${err}`); });
  return proc;
}

function kill(proc: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

describe('the server restarts under a session', () => {
  let proc: ChildProcess | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    await kill(proc);
  });

  it('both pages say the server restarted and the session ended; the facilitator reaches the host page', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const adminKey = 'faults-test-admin-key-0123456789abcdef';
    const env = {
      PATH: process.env.PATH, HOME: os.tmpdir(), PORT: String(port), HEARTH_HOST: '127.0.0.1',
      HEARTH_RTC_PORT: String(await freePort()), HEARTH_RTC_LISTEN_IPS: '127.0.0.1', HEARTH_WORKERS: '1',
      HEARTH_ADMIN_KEY: adminKey, HEARTH_CLIENT_DIR: CLIENT_DIR, HEARTH_LOG_LEVEL: 'warn',
    };
    proc = await startProcess(env, url);
    browser = await launchChromium();
    const links = await sessionLinks({ url, app: { adminKey } } as unknown as TestServer);
    const fay = await arrive(browser, links.facilitator, 'Fay');
    const ann = await arrive(browser, links.member, 'Ann');
    await admitFromPanel(fay, ann, 'Ann');
    // Both in the session with media flowing (each page has finished entering) before the crash.
    for (const [page, other] of [[fay, 'Ann'], [ann, 'Fay']] as const) {
      await eventually(async () => ((await audioPacketsOver(page, other, 600)) ?? 0) > 2, 30_000, `${other} heard`);
    }

    // A crash and a restart on the same port: the new process knows nothing of the session (memory only).
    await kill(proc);
    const restartedAt = Date.now();
    proc = await startProcess(env, url);
    for (const page of [fay, ann]) {
      await page.locator('section.closed[data-reason="room.serverRestarted"]').waitFor({ timeout: 60_000 })
        .catch(async (e: unknown) => { throw new Error(`${(e as Error).message}\npage: ${(await page.locator('main, body').first().innerText()).slice(0, 600)}`); });
    }
    console.info(`server restart: both pages showed the ended state ${Date.now() - restartedAt} ms after the restart`);
    // Only the facilitator is offered to start again; the member is told a new link will come.
    expect(await ann.locator('[data-start-again]').count()).toBe(0);
    await fay.locator('[data-start-again]').click();
    await fay.getByRole('heading', { name: 'Create a session' }).waitFor({ timeout: 20_000 });
    expect(new URL(fay.url()).pathname).toBe('/host');
  }, 150_000);
});
