import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrive, launchChromium, tileNames, fillPrejoin } from '../support/browser.js';
import { sessionLinks } from '../support/links.js';
import { audioPacketsOver, threeInACircle } from '../support/scene.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));

let server: TestServer;
let browser: Browser;
let links: Awaited<ReturnType<typeof sessionLinks>>;
let fay: Page;
let ben: Page;
let cal: Page;

/** The visible explanation a member reads (not the screen-reader copy of it). */
function notice(page: Page, text: string) {
  return page.getByRole('status').filter({ hasText: text }).waitFor();
}

const packetsFrom = (page: Page, name: string) => audioPacketsOver(page, name, 1500);

beforeAll(async () => {
  server = await startServer({ clientDir: CLIENT_DIR });
  browser = await launchChromium();
  ({ links, fay, ben, cal } = await threeInACircle(server, browser));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('a facilitator keeps the session safe, in Chromium', () => {
  it("muting a member stops their audio at the others, and the member's own unmute is refused with an explanation", async () => {
    expect(await packetsFrom(cal, 'Ben')).toBeGreaterThan(10);
    await fay.getByRole('button', { name: 'Mute Ben' }).click();
    await notice(ben, 'The facilitator muted you.');
    await sleep(500);
    expect(await packetsFrom(fay, 'Ben')).toBe(0);
    expect(await packetsFrom(cal, 'Ben')).toBe(0);

    // Ben tries to unmute himself: the server refuses, the page says why, and nothing reaches the others.
    const toggle = ben.getByRole('button', { name: 'Mute microphone' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await toggle.click();
    await notice(ben, 'The facilitator has muted you. You can unmute when they invite you to.');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await packetsFrom(cal, 'Ben')).toBe(0);

    // The facilitator invites Ben to unmute; now he can, and is heard again.
    await fay.getByRole('button', { name: 'Ask Ben to unmute' }).click();
    await notice(ben, 'The facilitator invites you to unmute when you are ready.');
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
    await sleep(500);
    expect(await packetsFrom(cal, 'Ben')).toBeGreaterThan(10);
  });

  it('a removed member is told so, vanishes for the others, and the same link and device do not get back in', async () => {
    await fay.getByRole('button', { name: 'Remove Cal' }).click();
    await fay.getByLabel('Note to Cal (optional)').fill('I will call you after the group.');
    await fay.getByRole('button', { name: 'Confirm' }).click();
    await cal.getByRole('heading', { name: 'You were removed from this session by the facilitator.' }).waitFor();
    await cal.getByText('I will call you after the group.').waitFor();
    expect(await cal.getByRole('button', { name: 'Join again' }).count()).toBe(0);
    for (const page of [fay, ben]) await eventually(async () => !(await tileNames(page)).includes('Cal'), 2000, 'Cal gone');

    // Cal opens the invitation again, in the same browser (a fresh load, as from the mail or chat app).
    await cal.goto('about:blank');
    await cal.goto(links.member);
    await fillPrejoin(cal, 'Cal');
    await cal.getByRole('button', { name: 'Join' }).click();
    await cal.getByRole('heading', { name: 'You were removed from this session by the facilitator.' }).waitFor();
    expect(server.app.sessions.get(links.session.sessionId)!.roster().waiting).toEqual([]);
  });

  it('a locked session turns a new arrival away with a clear message', async () => {
    await fay.getByRole('button', { name: 'Lock session' }).click();
    await expect.poll(() => fay.getByRole('button', { name: 'Lock session' }).getAttribute('aria-pressed')).toBe('true');
    const newcomer = await arrive(browser, links.member, 'Dee');
    await newcomer.getByRole('heading', { name: 'This session is closed to new arrivals. If you are expected, ask the facilitator.' }).waitFor();
    expect(server.app.sessions.get(links.session.sessionId)!.roster().waiting).toEqual([]);
    await newcomer.context().close();
  });
});
