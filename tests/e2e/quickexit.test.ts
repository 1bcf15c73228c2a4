import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { sessionLink } from '@hearth/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitFromPanel, arrive, launchChromium, openPage, tileNames } from '../support/browser.js';
import { sessionLinks } from '../support/links.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

// Quick exit and invites bound to the first device (issue 11, item 5), in Chromium with a real server: a member
// leaves at once (the others see them gone within 2 s), every camera and microphone track the page made is
// stopped, the page becomes a neutral one holding nothing of the session, and the link gets nowhere afterwards,
// in the same browser or another one (another device).

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
const NEUTRAL_PATH = '/blank.html';
const TITLE = 'Test group';
const USED_UP = 'This invitation is already in use on another device';

let server: TestServer;
let browser: Browser;
let links: Awaited<ReturnType<typeof sessionLinks>>;
let fay: Page;

beforeAll(async () => {
  server = await startServer({ clientDir: CLIENT_DIR });
  browser = await launchChromium();
  links = await sessionLinks(server);
  fay = await arrive(browser, links.facilitator, 'Fay');
  await fay.getByRole('button', { name: 'Leave' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const session = () => server.app.sessions.get(links.session.sessionId)!;

/** A one-person member link, as the facilitator makes one on the panel, and whether it is bound to a device yet. */
async function onePersonLink(): Promise<{ link: string; bound: () => boolean }> {
  const invite = await server.app.tokens.issueInvite({ sessionId: links.session.sessionId, role: 'member', maxUses: 1, ttlSeconds: 3600 });
  session().invites.issue(invite.inviteId);
  return {
    link: sessionLink(server.url, links.session.sessionId, { token: invite.token, secret: links.secret, signingPublicKey: links.signingPublicKey }),
    bound: () => session().invites.refusal(invite.inviteId, 1, 'a-device-that-never-came') === 'TOKEN_USED_UP',
  };
}

interface TrackLog { created: Map<string, number>; stopped: Map<string, number> }

/**
 * Every camera and microphone track the page makes (getUserMedia, clones) and every stop(), reported to the test
 * as it happens: the page navigates away, so nothing can be read from it afterwards.
 */
function instrument(log: TrackLog) {
  return async (page: Page): Promise<void> => {
    await page.exposeFunction('__trackSeen', (what: 'created' | 'stopped', id: string) => {
      if (!log[what].has(id)) log[what].set(id, Date.now());
    });
    await page.addInitScript(`(() => {
      const seen = (what, t) => window.__trackSeen(what, t.id);
      const gum = MediaDevices.prototype.getUserMedia;
      MediaDevices.prototype.getUserMedia = async function (c) {
        const s = await gum.call(this, c);
        s.getTracks().forEach((t) => seen('created', t));
        return s;
      };
      const clone = MediaStreamTrack.prototype.clone;
      MediaStreamTrack.prototype.clone = function () { const c = clone.call(this); seen('created', c); return c; };
      const stop = MediaStreamTrack.prototype.stop;
      MediaStreamTrack.prototype.stop = function () { seen('stopped', this); return stop.call(this); };
    })();`);
  };
}

/** A member in the circle on a one-person link, with their camera and microphone on, instrumented. */
async function memberInCircle(name: string, link: string): Promise<{ page: Page; log: TrackLog }> {
  const log: TrackLog = { created: new Map(), stopped: new Map() };
  const page = await arrive(browser, link, name, instrument(log));
  await admitFromPanel(fay, page, name);
  await eventually(async () => (await tileNames(fay)).includes(name), 10_000, `${name} on the facilitator's page`);
  // Something for the exit to clear beyond what Hearth keeps itself: a database and a cache of this origin.
  await page.evaluate(async () => {
    await new Promise((r) => { indexedDB.open('left-behind').onsuccess = r; });
    await (await caches.open('left-behind')).put('/x', new Response('x'));
  });
  expect(await page.evaluate(() => localStorage.getItem('hearth.device'))).toBeTruthy();
  expect(log.created.size).toBeGreaterThanOrEqual(2);
  return { page, log };
}

/** From the trigger: the member gone from the facilitator's page (ms), then everything the page left behind. */
async function afterExit(name: string, page: Page, log: TrackLog, pressedAt: number): Promise<number> {
  // Gone from the circle's tiles and from the panel's member list.
  const gone = async () => !(await tileNames(fay)).includes(name) && (await fay.getByRole('button', { name: `Mute ${name}` }).count()) === 0;
  await eventually(gone, 2000, `${name} gone at the facilitator within 2 s`);
  const goneMs = Date.now() - pressedAt;
  expect(session().roster().members.map((m) => m.displayName)).not.toContain(name);

  await page.waitForURL((u) => u.pathname === NEUTRAL_PATH, { timeout: 2000 });
  const neutralMs = Date.now() - pressedAt;
  // Every camera and microphone track the page made was stopped.
  await eventually(() => [...log.created.keys()].every((id) => log.stopped.has(id)), 2000, 'every track stopped');
  const lastStop = Math.max(...[...log.created.keys()].map((id) => log.stopped.get(id)!)) - pressedAt;
  // The page and this origin's storage hold nothing of the session.
  const left = await page.evaluate(async () => ({
    title: document.title, text: document.body.innerText, html: document.documentElement.outerHTML,
    session: sessionStorage.length, local: localStorage.length,
    databases: (await indexedDB.databases()).length, caches: (await caches.keys()).length,
  }));
  for (const secret of [name, TITLE, links.session.sessionId, 'Hearth', 'group', 'therapy']) {
    expect(left.title).not.toContain(secret);
    expect(left.html).not.toContain(secret);
  }
  expect(left).toMatchObject({ text: '', session: 0, local: 0, databases: 0, caches: 0 });
  // This tab's history no longer has the session page: back does not return to it.
  await page.goBack().catch(() => null);
  expect(page.url()).not.toContain(links.session.sessionId);
  console.info(`quick exit (${name}): gone at the facilitator after ${goneMs} ms, tracks stopped by ${lastStop} ms, neutral page at ${neutralMs} ms`);
  return goneMs;
}

/** The link opened again gets nowhere: refused on the pre-join screen, no name field, nobody in the waiting room. */
async function refusedAgain(page: Page): Promise<void> {
  await page.getByRole('heading', { name: USED_UP }).waitFor({ timeout: 10_000 });
  expect(await page.getByLabel('Your name, as others will see it').count()).toBe(0);
  expect(session().roster().waiting).toEqual([]);
}

describe('quick exit, in Chromium', () => {
  it('Escape twice: the member is gone for the others within 2 s, every track stopped, a neutral page holding nothing, the link worthless', async () => {
    const { link } = await onePersonLink();
    const { page, log } = await memberInCircle('Mia', link);
    const pressedAt = Date.now();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    expect(await afterExit('Mia', page, log, pressedAt)).toBeLessThan(2000);

    // The same browser opens the link again (from its history): the device id is gone, so it is another device.
    const again = await page.context().newPage();
    await again.goto(link);
    await refusedAgain(again);
    // Another browser (another device) too.
    await refusedAgain(await openPage(browser, link));
  });

  it('a link already opened on one device is refused on another before anyone fills anything; the control exits too', async () => {
    const { link } = await onePersonLink();
    const { page, log } = await memberInCircle('Noa', link);
    const other = await openPage(browser, link);
    await refusedAgain(other);
    // The quick exit is on this screen too, and the first thing the keyboard reaches.
    await other.keyboard.press('Tab');
    expect(await other.evaluate(() => document.activeElement?.getAttribute('aria-keyshortcuts'))).toBe('Escape');

    const pressedAt = Date.now();
    await page.getByRole('button', { name: 'Quick exit' }).click();
    expect(await afterExit('Noa', page, log, pressedAt)).toBeLessThan(2000);
    await refusedAgain(await openPage(browser, link));
  });

  it('on the pre-join screen: the control is first by keyboard, a stray Escape does nothing, and the private window line is there', async () => {
    const { link, bound } = await onePersonLink();
    const log: TrackLog = { created: new Map(), stopped: new Map() };
    const page = await openPage(browser, link, instrument(log));
    // Opening the link bound the invite to this browser, before anything was filled in.
    await eventually(bound, 10_000, 'the invite bound to the device that opened it');
    await page.getByText('join from a private window').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Quick exit');
    expect(await page.title()).toBe('Meeting');
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1100);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
    expect(new URL(page.url()).pathname).toContain('/s/');
    // Enter on the focused control leaves from the pre-join screen too; the invite stays bound to a device id
    // that no longer exists.
    await eventually(() => log.created.size >= 2, 5000, 'the preview tracks');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === NEUTRAL_PATH, { timeout: 2000 });
    await eventually(() => [...log.created.keys()].every((id) => log.stopped.has(id)), 2000, 'every preview track stopped');
    const again = await page.context().newPage();
    await again.goto(link);
    await refusedAgain(again);
  });
});
