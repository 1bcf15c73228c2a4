import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inbound, launchChromium } from '../support/browser.js';
import { audioPacketsOver, threeInACircle } from '../support/scene.js';
import { sleep, startServer, type TestServer } from '../support/server.js';
const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
let server: TestServer;
let browser: Browser;
let fay: Page;
let ben: Page;
let cal: Page;

const audioPackets = async (page: Page, name: string) => (await inbound(page, name, 'audio'))?.packetsReceived ?? 0;

const heard = (page: Page, name: string) => audioPacketsOver(page, name, 1200);

/** Who `page` hears now, among `names` (measured from inbound audio, not from the UI). */
async function whoIsHeard(page: Page, names: string[]): Promise<string[]> {
  const counts = await Promise.all(names.map((n) => heard(page, n)));
  return names.filter((_, i) => counts[i]! > 2);
}

/** Time from now until `name`'s audio starts arriving at `page`. */
async function msUntilHeard(page: Page, name: string, start: number, limitMs: number): Promise<number> {
  const base = await audioPackets(page, name);
  while (Date.now() - start < limitMs) {
    if ((await audioPackets(page, name)) - base >= 2) return Date.now() - start;
    await sleep(50);
  }
  return Infinity;
}

beforeAll(async () => {
  server = await startServer({ clientDir: CLIENT_DIR });
  browser = await launchChromium();
  ({ fay, ben, cal } = await threeInACircle(server, browser));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('talking stick in Chromium: the server decides who is heard', () => {
  it('with the stick only its holder (and the facilitator) reach the others', async () => {
    await fay.getByRole('button', { name: 'Talking stick' }).click();
    await sleep(500);
    expect(await whoIsHeard(cal, ['Fay', 'Ben'])).toEqual(['Fay']);
    await ben.getByRole('button', { name: 'Request the stick' }).click();
    await sleep(500);
    expect(await whoIsHeard(fay, ['Ben', 'Cal'])).toEqual(['Ben']);
    expect(await whoIsHeard(cal, ['Fay', 'Ben'])).toEqual(['Fay', 'Ben']);
  });

  it('passing the stick changes who is heard within 1 s', async () => {
    await cal.getByRole('button', { name: 'Request the stick' }).click();
    await cal.getByRole('button', { name: 'Cancel request' }).waitFor();
    const start = Date.now();
    await ben.getByRole('button', { name: 'Pass the stick' }).click();
    expect(await msUntilHeard(fay, 'Cal', start, 3000)).toBeLessThan(1000);
    await sleep(300);
    expect(await whoIsHeard(fay, ['Ben', 'Cal'])).toEqual(['Cal']);
  });

  it('when the time limit runs out, the stick moves on by itself', async () => {
    await fay.getByLabel('Turn limit').selectOption('15');
    await ben.getByRole('button', { name: 'Request the stick' }).click();
    await ben.getByRole('button', { name: 'Cancel request' }).waitFor();
    expect(await whoIsHeard(fay, ['Ben', 'Cal'])).toEqual(['Cal']);
    const start = Date.now();
    expect(await msUntilHeard(fay, 'Ben', start, 20_000)).toBeLessThan(17_000);
    await sleep(300);
    expect(await whoIsHeard(fay, ['Ben', 'Cal'])).toEqual(['Ben']);
  });

  it('a go-around where one member passes', async () => {
    await fay.getByLabel('Turn limit').selectOption('0');
    await fay.getByRole('button', { name: 'Go-around' }).click();
    // Arrival order: Ben first.
    await ben.getByRole('button', { name: 'Pass', exact: true }).waitFor();
    await sleep(400);
    expect(await whoIsHeard(fay, ['Ben', 'Cal'])).toEqual(['Ben']);
    await ben.getByRole('button', { name: 'Pass', exact: true }).click();
    await cal.getByRole('button', { name: 'Pass', exact: true }).waitFor();
    await sleep(400);
    expect(await whoIsHeard(fay, ['Ben', 'Cal'])).toEqual(['Cal']);
    await fay.getByRole('button', { name: 'Open floor' }).click();
    await sleep(500);
    expect(await whoIsHeard(fay, ['Ben', 'Cal'])).toEqual(['Ben', 'Cal']);
  });
});
