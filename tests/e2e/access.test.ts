import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations, smallTargets } from '../support/axe.js';
import { admitFromPanel, arrive, fillPrejoin, launchChromium, openPage } from '../support/browser.js';
import { startServer, type TestServer } from '../support/server.js';

// Access (issue 11): axe-core finds no serious or critical violation on any screen, on a phone (390x844) and a
// desktop, in the light and the dark scheme, and nothing a finger presses on a phone is under 44 px; motion stops
// for members who ask for less. A member goes from the pre-join screen to the group and out with the keyboard
// alone, seeing where the focus is at every step, and a facilitator's confirmation dialog is entered and left
// with the keyboard.

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;
const SCHEMES = ['light', 'dark'] as const;

let server: TestServer;
let browser: Browser;
let links: { facilitator: string; member: string };
let fay: Page;
let ben: Page;

/** Every serious or critical axe violation of `page` now, in each viewport and scheme, and small targets on a phone. */
async function problems(page: Page, screen: string): Promise<string[]> {
  const found: string[] = [];
  for (const [device, viewport] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      for (const p of await seriousViolations(page)) {
        found.push(`${screen}, ${device}, ${colorScheme}: ${p.rule} (${p.impact}) ${p.help}: ${p.targets.join(', ')} — ${p.summary.join(' | ')}`);
      }
      if (device === 'phone') for (const t of await smallTargets(page)) found.push(`${screen}, phone, ${colorScheme}: under 44 px: ${t}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

/**
 * Presses Tab until the focused element matches the CSS selector `wanted` (and has the text `text`, if given), at
 * most `max` times. Fails on a keyboard trap (focus that does not move) and on a focus without a visible ring.
 */
async function tabTo(page: Page, wanted: string, text?: string, max = 120): Promise<void> {
  let last = '';
  let stuck = 0;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const now = await page.evaluate(({ wanted, text }) => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return { id: 'body', hit: false, ring: true };
      const style = getComputedStyle(el);
      const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
      const id = `${el.tagName} ${el.id} ${el.getAttribute('name') ?? ''} ${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30)}`;
      return { id, hit: el.matches(wanted) && (text === undefined || el.textContent?.trim() === text), ring };
    }, { wanted, text });
    expect(now.ring, `visible focus on ${now.id}`).toBe(true);
    // A trap holds the focus Tab after Tab. One Tab that lands on the same element is not one: a roster push can
    // re-render the panel under the key press (seen once on a loaded CI machine, on the invite select).
    stuck = now.id === last && now.id !== 'body' ? stuck + 1 : 0;
    expect(stuck, `focus stuck on ${now.id}`).toBeLessThan(3);
    last = now.id;
    if (now.hit) return;
  }
  throw new Error(`no focusable element matching ${wanted} within ${max} Tabs`);
}

beforeAll(async () => {
  server = await startServer({ clientDir: CLIENT_DIR });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('every screen passes axe-core (serious, critical) on a phone and a desktop, light and dark', () => {
  it('home, the host page before and after creating a session (whose links the rest uses), an incomplete link', async () => {
    const home = await openPage(browser, `${server.url}/`);
    await home.getByRole('heading', { name: 'Hearth' }).waitFor();
    expect(await problems(home, 'home')).toEqual([]);

    await home.goto(`${server.url}/host#key=${server.app.adminKey}`);
    await home.getByLabel('Session title (members see it)').fill('Tuesday group');
    expect(await problems(home, 'host form')).toEqual([]);
    await home.getByRole('button', { name: 'Create session' }).click();
    await home.locator('#mem-link').waitFor();
    expect(await problems(home, 'host links')).toEqual([]);
    links = { facilitator: await home.locator('#fac-link').inputValue(), member: await home.locator('#mem-link').inputValue() };

    // A session link without its fragment (cut short when copied): its own screen.
    await home.goto(`${server.url}/s/${new URL(links.member).pathname.split('/')[2]}`);
    await home.getByRole('heading', { name: 'This link is incomplete' }).waitFor();
    expect(await problems(home, 'incomplete link')).toEqual([]);
    await home.context().close();
  });

  it('pre-join and waiting (member), the room and panel with someone waiting and a confirmation open (facilitator)', async () => {
    fay = await arrive(browser, links.facilitator, 'Fay');
    await fay.getByRole('button', { name: 'End session' }).waitFor();
    ben = await openPage(browser, links.member);
    await ben.getByLabel('Your name, as others will see it').waitFor();
    expect(await problems(ben, 'pre-join')).toEqual([]);

    await fillPrejoin(ben, 'Ben');
    await ben.getByRole('button', { name: 'Join' }).click();
    await ben.getByRole('heading', { name: 'Waiting to be admitted' }).waitFor();
    expect(await problems(ben, 'waiting')).toEqual([]);
    await fay.getByRole('button', { name: 'Admit Ben' }).waitFor();
    expect(await problems(fay, 'facilitator, someone waiting')).toEqual([]);

    await fay.getByRole('button', { name: 'Deny Ben' }).click();
    await fay.getByRole('dialog').waitFor();
    expect(await problems(fay, 'facilitator, confirmation')).toEqual([]);
    await fay.getByRole('button', { name: 'Cancel' }).click();
    await fay.getByRole('dialog').waitFor({ state: 'detached' });
  });

  it('the room as a member and as a facilitator, with motion off for those who ask', async () => {
    await admitFromPanel(fay, ben, 'Ben');
    await ben.getByTestId('safety-words').waitFor();
    expect(await problems(ben, 'room, member')).toEqual([]);
    expect(await problems(fay, 'room, facilitator')).toEqual([]);

    await ben.emulateMedia({ reducedMotion: 'reduce' });
    const moving = await ben.evaluate(() => [...document.querySelectorAll('*')].filter((el) => {
      const s = getComputedStyle(el);
      const longest = (v: string) => Math.max(...v.split(',').map((x) => parseFloat(x) * (x.trim().endsWith('ms') ? 1 : 1000)));
      return longest(s.transitionDuration) > 1 || longest(s.animationDuration) > 1;
    }).map((el) => el.tagName));
    expect(moving).toEqual([]);
  });

  it('the closed screen (removed, with a note), the left screen and the quick exit’s neutral page', async () => {
    const cal = await arrive(browser, links.member, 'Cal');
    await admitFromPanel(fay, cal, 'Cal');
    await fay.getByRole('button', { name: 'Remove Cal' }).click();
    await fay.getByLabel('Note to Cal (optional)').fill('I will call you after the group.');
    await fay.getByRole('button', { name: 'Confirm' }).click();
    await cal.getByRole('heading', { name: 'You were removed from this session by the facilitator.' }).waitFor();
    expect(await problems(cal, 'closed')).toEqual([]);
    await cal.context().close();

    await ben.getByRole('button', { name: 'Leave' }).click();
    await ben.getByText('You left the session.').waitFor();
    expect(await problems(ben, 'left')).toEqual([]);

    if (fs.existsSync(path.join(CLIENT_DIR, 'blank.html'))) {
      await ben.goto(`${server.url}/blank.html`);
      expect(await problems(ben, 'quick exit page')).toEqual([]);
    }
    await ben.context().close();
  });
});

describe('by keyboard alone', () => {
  it('a member goes from the pre-join screen to the group and leaves; the facilitator opens and escapes a dialog', async () => {
    const dee = await openPage(browser, links.member);
    await dee.setViewportSize(VIEWPORTS.phone);
    await dee.getByLabel('Your name, as others will see it').waitFor();
    await tabTo(dee, '#display-name');
    await dee.keyboard.type('Dee');
    // Every box of the form the member must tick (the private-space items and the agreement; audio only is optional).
    const boxes = await dee.locator('form input[type=checkbox]').count();
    for (let i = 0; i < boxes; i++) {
      await tabTo(dee, 'form input[type=checkbox]:not(:checked)');
      await dee.keyboard.press('Space');
    }
    await tabTo(dee, 'button[type=submit]');
    expect(await dee.evaluate(() => (document.activeElement as HTMLButtonElement).disabled)).toBe(false);
    await dee.keyboard.press('Enter');
    await dee.getByRole('heading', { name: 'Waiting to be admitted' }).waitFor();

    // The facilitator: the Deny dialog opens on Enter with the focus inside it, and Escape closes it, focus back.
    await fay.bringToFront();
    await fay.getByRole('button', { name: 'Admit Dee' }).waitFor();
    await fay.locator('body').focus();
    await tabTo(fay, '[aria-label="Deny Dee"]');
    await fay.keyboard.press('Enter');
    await fay.getByRole('dialog').waitFor();
    expect(await fay.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
    await fay.keyboard.press('Escape');
    await fay.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await fay.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Deny Dee');
    await tabTo(fay, '[aria-label="Admit Dee"]');
    await fay.keyboard.press('Enter');

    await dee.getByTestId('safety-words').waitFor();
    await tabTo(dee, 'nav button', 'Leave');
    await dee.keyboard.press('Enter');
    await dee.getByText('You left the session.').waitFor();
    await dee.context().close();
  });
});
