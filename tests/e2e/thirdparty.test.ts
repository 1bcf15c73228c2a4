import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitFromPanel, fillPrejoin, inbound, launchChromium, openPage } from '../support/browser.js';
import { iceView, isHearthOrLocal, recordRequests, type IceView, type RequestRecorder } from '../support/requestLog.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

// No third-party traffic (issue 12, item 4): a whole session — the host page creates it, a facilitator and a member
// join, media flows both ways, both leave — with every request each page makes recorded (playwright's events and
// Chromium's DevTools Network domain, workers included, and CSP violations). Each one must go to the Hearth origin
// (or be data:/blob:), and every ICE candidate the browsers were offered must be the Hearth host itself: no STUN
// server, no TURN (none is configured here), nobody else.

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
/** The addresses Hearth's media is announced on in this test (support/server.ts: rtc.listenIps). */
const HEARTH_MEDIA_ADDRESSES = new Set(['127.0.0.1']);
let server: TestServer;
let browser: Browser;
const recorders: RequestRecorder[] = [];
const ice: IceView[] = [];

const recorded = async (page: Page) => void recorders.push(await recordRequests(page.context(), page));

async function join(link: string, name: string): Promise<Page> {
  const page = await openPage(browser, link, recorded);
  await fillPrejoin(page, name);
  await page.getByRole('button', { name: 'Join' }).click();
  return page;
}

/** The whole session, start to end; the recorders keep listening throughout. */
async function session(): Promise<void> {
  const host = await openPage(browser, `${server.url}/host#key=${server.app.adminKey}`, recorded);
  await host.getByLabel('Session title (members see it)').fill('Thursday group');
  await host.getByRole('button', { name: 'Create session' }).click();
  await eventually(async () => /\/s\/[\w-]+#/.test(await host.locator('#mem-link').inputValue()), 15_000, 'the session links');
  const fay = await join(await host.locator('#fac-link').inputValue(), 'Fay');
  const ann = await join(await host.locator('#mem-link').inputValue(), 'Ann');
  await admitFromPanel(fay, ann, 'Ann');
  for (const [page, other] of [[fay, 'Ann'], [ann, 'Fay']] as [Page, string][]) {
    await eventually(async () => ((await inbound(page, other, 'video'))?.framesDecoded ?? 0) > 10, 30_000, `${other}'s video decoded`);
    await eventually(async () => ((await inbound(page, other, 'audio'))?.totalAudioEnergy ?? 0) > 0, 15_000, `${other}'s audio heard`);
    ice.push(await iceView(page));
  }
  await ann.getByRole('button', { name: 'Leave' }).click();
  await ann.getByText('You left the session.').waitFor();
  await fay.getByRole('button', { name: 'Leave' }).click();
  await sleep(1500); // anything sent on the way out
  for (const [i, page] of [host, fay, ann].entries()) await recorders[i]!.collectCsp(page);
}

describe('a whole session talks to the Hearth origin only', () => {
  beforeAll(async () => {
    if (!fs.existsSync(`${CLIENT_DIR}/index.html`)) throw new Error('client not built: run the build first');
    server = await startServer({ clientDir: CLIENT_DIR });
    browser = await launchChromium();
    await session();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('every request of every page, worker and websocket goes to the Hearth origin (or is data:/blob:)', () => {
    const hearth = new URL(server.url);
    const all = recorders.flatMap((r) => r.log);
    const elsewhere = all.filter((r) => !isHearthOrLocal(r.url, hearth));
    expect(elsewhere).toEqual([]);
    // The recording saw what a session must load: both ways saw the pages, scripts and the signaling websocket.
    for (const via of ['playwright', 'cdp'] as const) {
      const urls = all.filter((r) => r.via === via).map((r) => r.url);
      expect(urls.some((u) => /\/assets\/roomChunk-[\w-]+\.js$/.test(u)), `${via}: the room's script`).toBe(true);
      expect(urls.some((u) => /\/assets\/frameWorker-[\w-]+\.js$/.test(u)), `${via}: the frame worker`).toBe(true);
      expect(urls.some((u) => u.startsWith(`ws://${hearth.host}/socket.io/`)), `${via}: the signaling websocket`).toBe(true);
    }
    expect(all.filter((r) => r.via === 'csp')).toEqual([]);
    // The DevTools session followed the frame workers of both members' pages and recorded in each of them.
    for (const r of recorders.slice(1)) {
      expect(r.workers.attached).toBeGreaterThan(0);
      expect(r.workers.networkEnabled).toBe(r.workers.attached);
    }
  });

  it('the peer connections know no STUN or TURN server, and every candidate is the Hearth host', () => {
    expect(ice.length).toBe(2);
    for (const view of ice) {
      expect(view.iceServers).toEqual([]);
      expect(view.remote.length).toBeGreaterThan(0);
      for (const address of view.remote) expect(HEARTH_MEDIA_ADDRESSES.has(address), address).toBe(true);
      // Without a STUN or TURN server the browser can only offer its own (host) candidates.
      expect(view.local.length).toBeGreaterThan(0);
      expect(new Set(view.local.map((c) => c.type))).toEqual(new Set(['host']));
    }
  });
});
