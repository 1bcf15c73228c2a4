import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../client/src/i18n/en.js';
import { es } from '../../client/src/i18n/es.js';
import { enWayIn } from '../../client/src/i18n/en.wayin.js';
import { esWayIn } from '../../client/src/i18n/es.wayin.js';
import { fillPrejoin, frameDifference, inbound, launchChromium, openPage } from '../support/browser.js';
import { sessionLinks } from '../support/links.js';
import { sleep, startServer, type TestServer } from '../support/server.js';

// A member whose browser speaks Spanish (issue 11): from the invite link to the group in Spanish, admitted by a
// facilitator whose page is in English, hearing and seeing the facilitator (decoded frames and audio samples, not
// only words on the screen), with not one English string of the catalogs on the page; then the language switch
// turns the whole page to English and back, live.

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
const EN = { ...en, ...enWayIn };
const ES = { ...es, ...esWayIn };
const PHONE = { width: 390, height: 844 };

let server: TestServer;
let browser: Browser;
let fay: Page;
let bea: Page;

/**
 * The English catalog strings found in what the page shows (its text, and the names screen readers hear: aria
 * labels, placeholders, titles): each English message that Spanish words differently, cut at its placeholders, and
 * looked for as whole words. Names, the session title and the safety words (one word list for everyone, so that
 * all read the same words aloud) are content, not catalog strings: they are left out.
 */
async function englishOn(page: Page): Promise<string[]> {
  const shown = await page.evaluate(() => {
    const body = document.body.cloneNode(true) as HTMLElement;
    body.querySelectorAll('[data-testid="safety-words"], figcaption .name, h1.title').forEach((e) => e.remove());
    const labels = [...document.querySelectorAll('[aria-label], [placeholder], [title]')].flatMap((e) =>
      ['aria-label', 'placeholder', 'title'].map((a) => e.getAttribute(a) ?? ''));
    const texts: string[] = [];
    const walk = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) texts.push(n.textContent ?? '');
    return [...texts, ...labels].join('\n');
  });
  const found = new Set<string>();
  for (const [key, english] of Object.entries(EN) as [keyof typeof EN, string][]) {
    if (ES[key] === english) continue;
    for (const piece of english.split(/\{\w+\}/)) {
      const words = piece.replace(/^[\s·,:;.()—-]+|[\s·,:;.()—-]+$/g, '');
      if (words.length < 2 || /^\(?you\)?$/i.test(words)) continue;
      const escaped = words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (new RegExp(`(^|[^\\p{L}])${escaped}($|[^\\p{L}])`, 'u').test(shown)) found.add(`${key}: "${words}"`);
    }
  }
  return [...found];
}

beforeAll(async () => {
  server = await startServer({ clientDir: CLIENT_DIR });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('a Spanish-speaking member, end to end in Chromium', () => {
  it('goes from the invite link to the group in Spanish, admitted by a facilitator whose page is in English', async () => {
    const links = await sessionLinks(server);
    fay = await openPage(browser, links.facilitator, undefined, { locale: 'en-US' });
    await fillPrejoin(fay, 'Fay');
    await fay.getByRole('button', { name: 'Join' }).click();
    await fay.getByRole('button', { name: 'End session' }).waitFor();

    bea = await openPage(browser, links.member, undefined, { locale: 'es-ES', viewport: PHONE });
    // The pre-join screen, in Spanish from the first paint: the browser's language is the default.
    await bea.getByRole('heading', { name: ES['prejoin.title'] }).waitFor();
    expect(await bea.evaluate(() => document.documentElement.lang)).toBe('es');
    expect(await bea.locator('#locale-switch').inputValue()).toBe('es');
    expect(await englishOn(bea)).toEqual([]);

    // Filled by ids and roles, not by English words: the name, every box of the form, then Entrar.
    await bea.locator('#display-name').fill('Bea');
    for (const box of await bea.locator('form input[type=checkbox]').all()) await box.check();
    await bea.getByRole('button', { name: ES['prejoin.join'], exact: true }).click();
    await bea.getByRole('heading', { name: ES['waiting.title'] }).waitFor();
    expect(await englishOn(bea)).toEqual([]);

    // The facilitator's page stays English; she admits Bea from the panel.
    await fay.getByRole('button', { name: 'Admit Bea' }).waitFor();
    await fay.getByRole('button', { name: 'Admit Bea' }).click();
    await bea.getByRole('button', { name: ES['common.leave'], exact: true }).waitFor();
    await bea.getByTestId('safety-words').waitFor();
  });

  it('sees and hears the facilitator: frames decoded that match the fake camera, audio samples with energy', async () => {
    const before = { video: await inbound(bea, 'Fay', 'video'), audio: await inbound(bea, 'Fay', 'audio') };
    await sleep(1500);
    const after = { video: await inbound(bea, 'Fay', 'video'), audio: await inbound(bea, 'Fay', 'audio') };
    expect(after.video!.framesDecoded - (before.video?.framesDecoded ?? 0)).toBeGreaterThan(5);
    expect(after.audio!.totalSamplesReceived - (before.audio?.totalSamplesReceived ?? 0)).toBeGreaterThan(20_000);
    expect(after.audio!.totalAudioEnergy).toBeGreaterThan(before.audio?.totalAudioEnergy ?? 0);
    const diff = await frameDifference(bea, 'Fay');
    expect(diff!.contrast, 'a frame with structure, not a flat colour').toBeGreaterThan(5);
    expect(diff!.mad, 'Fay’s frame vs the fake camera pattern').toBeLessThan(25);
  });

  it('shows no English catalog string in the group, and the language switch turns the page to English and back', async () => {
    // Something happens to her meanwhile: a notice made in Spanish, which follows the switch too.
    await fay.getByRole('button', { name: 'Mute Bea' }).click();
    await bea.locator('.notice').filter({ hasText: ES['room.mutedByFacilitator'] }).waitFor();
    expect(await englishOn(bea)).toEqual([]);

    await bea.locator('#locale-switch').selectOption('en');
    await bea.getByRole('button', { name: 'Leave', exact: true }).waitFor();
    expect(await bea.evaluate(() => document.documentElement.lang)).toBe('en');
    await bea.locator('.notice').filter({ hasText: EN['room.mutedByFacilitator'] }).waitFor();
    await bea.getByRole('button', { name: EN['room.muteMic'] }).waitFor();
    // The same look-up finds the English page (it is not blind).
    expect((await englishOn(bea)).length).toBeGreaterThan(10);

    await bea.locator('#locale-switch').selectOption('es');
    await bea.getByRole('button', { name: ES['common.leave'], exact: true }).waitFor();
    expect(await bea.evaluate(() => document.documentElement.lang)).toBe('es');
    expect(await englishOn(bea)).toEqual([]);

    // Leaving is one action, in Spanish too.
    await bea.getByRole('button', { name: ES['common.leave'], exact: true }).click();
    await bea.getByText(ES['room.left']).waitFor();
  });
});
