import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, fillPrejoin } from '../support/browser.js';
import { CLIENT_DIST, lazyChunkFiles, measureBundle } from '../support/bundle.js';
import { sessionLinks } from '../support/links.js';
import { eventually, startFastServer, type FastServer } from '../support/server.js';

// The fast join path (issue 10), as Chromium and the server see it: the pre-join screen draws from the small
// first-screen scripts; the room's chunks (mediasoup-client, libsodium, the signaling client) are fetched while the
// member is still on the pre-join screen, after the first screen's own scripts; Join fetches none of them; and a
// second visit fetches no hashed asset from the server at all (the page itself is revalidated: one 304).

interface Seen { url: string; status: number; at: number }

let server: FastServer;
let browser: Browser;
let context: BrowserContext;
let memberLink: string;
/** Every HTTP request that reached the server, in order, with the status it was answered. */
const atServer: Seen[] = [];
const roomFiles = fs.existsSync(path.join(CLIENT_DIST, '.vite', 'manifest.json')) ? lazyChunkFiles('src/views/roomChunk.ts') : [];

beforeAll(async () => {
  if (roomFiles.length === 0) throw new Error('client not built: run the build first');
  server = await startFastServer({ clientDir: CLIENT_DIST });
  server.app.fastify.server.on('request', (req, res) => {
    res.on('finish', () => atServer.push({ url: req.url ?? '', status: res.statusCode, at: Date.now() }));
  });
  memberLink = (await sessionLinks(server)).member;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 960, height: 720 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The path part of each script or style sheet this page asked for (from the browser's side, cache hits too). */
function watchAssets(page: Page): { url: string; at: number }[] {
  const asked: { url: string; at: number }[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/assets/')) asked.push({ url: url.pathname.slice(1), at: Date.now() });
  });
  return asked;
}

const nameField = (page: Page) => page.getByLabel('Your name, as others will see it');

describe('the member’s join path, in Chromium', () => {
  it('draws the pre-join screen, then fetches the room’s chunks before Join is pressed, and Join fetches none', async () => {
    const page = await context.newPage();
    const asked = watchAssets(page);
    await page.goto(memberLink);
    await nameField(page).waitFor({ state: 'visible' });
    // While the member sits on the pre-join screen, every room file arrives (each asked of the server once).
    await eventually(() => roomFiles.every((f) => atServer.some((s) => s.url === `/${f}` && s.status === 200)), 10_000, 'the room chunks');
    for (const f of roomFiles) expect(atServer.filter((s) => s.url === `/${f}`).length, f).toBe(1);
    expect(await page.getByRole('button', { name: 'Join' }).isVisible()).toBe(true);

    // They were started only after the first screen's scripts had arrived: they never competed with first paint.
    const timing = await page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((e) => ({
        name: new URL(e.name).pathname.slice(1), start: e.startTime, end: e.responseEnd,
      })),
    );
    const firstScreen = measureBundle().firstScreenFiles;
    const firstScreenDone = Math.max(...timing.filter((t) => firstScreen.includes(t.name)).map((t) => t.end));
    const roomStart = Math.min(...timing.filter((t) => roomFiles.includes(t.name)).map((t) => t.start));
    expect(firstScreenDone).toBeGreaterThan(0);
    expect(roomStart).toBeGreaterThanOrEqual(firstScreenDone);

    // Join: the member reaches the waiting room, and no room chunk is fetched (the import had long finished).
    const before = asked.length;
    await fillPrejoin(page, 'Wren');
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByRole('heading', { name: 'Waiting to be admitted' }).waitFor();
    expect(asked.slice(before).map((a) => a.url).filter((u) => roomFiles.includes(u))).toEqual([]);
    await page.close();
  });

  it('a second visit in the same browser asks the server for no hashed asset: only the page, revalidated with a 304', async () => {
    const firstVisit = atServer.filter((s) => s.url.startsWith('/assets/')).length;
    expect(firstVisit).toBeGreaterThanOrEqual(roomFiles.length + 1);
    const from = Date.now();
    const page = await context.newPage();
    const asked = watchAssets(page);
    await page.goto(memberLink);
    await nameField(page).waitFor({ state: 'visible' });
    // The browser loads the first screen and the room chunks again, from its cache...
    await eventually(() => roomFiles.every((f) => asked.some((a) => a.url === f)), 10_000, 'the room chunks, again');
    await page.waitForLoadState('networkidle');
    expect(asked.length).toBeGreaterThanOrEqual(roomFiles.length + 1);
    // ...and the server sees only the page's revalidation, and the lookup of where the session lives (an API call
    // made before the socket opens, never cached: docs/scale-out.md).
    const isWhere = (url: string) => /^\/api\/sessions\/[\w-]+\/where$/.test(url);
    const second = atServer.filter((s) => s.at >= from);
    expect(second.filter((s) => s.url.startsWith('/assets/'))).toEqual([]);
    expect(second.filter((s) => !isWhere(s.url)).map((s) => s.status)).toEqual([304]);
    expect(second.filter((s) => isWhere(s.url)).map((s) => s.status)).toEqual([200]);
    await page.close();
  });

  it('the host page draws, fetches libsodium and TypeBox after it, and creates a session with them', async () => {
    const page = await context.newPage();
    const asked = watchAssets(page);
    await page.goto(`${server.url}/host#key=${server.app.adminKey}`);
    await page.getByLabel('Session title (members see it)').waitFor({ state: 'visible' });
    const hostFiles = lazyChunkFiles('src/state/hostChunk.ts');
    await eventually(() => hostFiles.every((f) => asked.some((a) => a.url === f)), 10_000, 'the session-creation chunk');
    await page.getByLabel('Session title (members see it)').fill('Thursday group');
    await page.getByRole('button', { name: 'Create session' }).click();
    await expect.poll(() => page.locator('#mem-link').inputValue()).toMatch(/\/s\/[\w-]+#t=.+&k=.+&p=/);
    await page.close();
  });
});
