import fs from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's Chromium, never a downloaded browser, with the flags measured to work headless on these machines. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream=fps=15',
  // Without it Chromium gathers no loopback candidates and cannot reach mediasoup on 127.0.0.1.
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Test-side instrumentation, injected before the app loads: remembers every RTCPeerConnection so tests can
 * read WebRTC stats, and the group keys given to the frame worker. The app itself exposes nothing for tests.
 */
const TRACK_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  const all = [];
  class Tracked extends Native { constructor(...args) { super(...args); all.push(this); } }
  window.RTCPeerConnection = Tracked;
  window.__pcs = all;
  // Also remember the group keys handed to the frame worker, so a test can decrypt what it taps at the SFU.
  const post = Worker.prototype.postMessage;
  window.__groupKeys = [];
  Worker.prototype.postMessage = function (m, ...rest) {
    if (m && m.type === 'key') window.__groupKeys.push({ epoch: m.epoch, groupKey: Array.from(m.groupKey) });
    return post.call(this, m, ...rest);
  };
})();`;

/**
 * A new page in a new context (another device); `setup` instruments it before the app loads; `device` sets the
 * context's options (a locale, a colour scheme, a phone's viewport).
 */
export async function openPage(browser: Browser, url: string, setup?: (page: Page) => Promise<void>, device: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 960, height: 720 }, ...device });
  const page = await context.newPage();
  await page.addInitScript(TRACK_PEER_CONNECTIONS);
  await setup?.(page);
  await page.goto(url);
  return page;
}

export interface InboundStats {
  packetsReceived: number;
  framesDecoded: number;
  totalSamplesReceived: number;
  totalAudioEnergy: number;
}

/** Inbound RTP stats of the remote track shown for `name` on this page (audio or video). */
export function inbound(page: Page, name: string, kind: 'audio' | 'video'): Promise<InboundStats | undefined> {
  return page.evaluate(
    async ({ name, kind }) => {
      const tile = [...document.querySelectorAll('figure[data-peer-id]')].find(
        (f) => f.querySelector('.name')?.textContent === name,
      );
      const el = tile?.querySelector(kind) as HTMLMediaElement | null | undefined;
      const track = (el?.srcObject as MediaStream | null | undefined)?.getTracks()[0];
      if (!track) return undefined;
      for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
        if (pc.connectionState === 'closed') continue;
        const report = await pc.getStats();
        for (const s of report.values()) {
          if (s.type === 'inbound-rtp' && s.trackIdentifier === track.id) {
            return {
              packetsReceived: s.packetsReceived ?? 0,
              framesDecoded: s.framesDecoded ?? 0,
              totalSamplesReceived: s.totalSamplesReceived ?? 0,
              totalAudioEnergy: s.totalAudioEnergy ?? 0,
            };
          }
        }
      }
      return undefined;
    },
    { name, kind },
  );
}

/**
 * Mean absolute difference (0–255 grey levels) between the frame now shown for `name` and this page's own
 * camera preview, both scaled to 32x24. Chromium's fake cameras draw the same pattern, so a correctly
 * decoded remote frame is close (measured 3–10) while garbage or black is far (55+).
 */
export function frameDifference(page: Page, name: string): Promise<{ mad: number; contrast: number } | undefined> {
  return page.evaluate((name) => {
    const grey = (v: HTMLVideoElement) => {
      if (v.videoWidth === 0) return undefined;
      const c = document.createElement('canvas');
      c.width = 32;
      c.height = 24;
      const ctx = c.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(v, 0, 0, 32, 24);
      const d = ctx.getImageData(0, 0, 32, 24).data;
      const out = new Float64Array(32 * 24);
      for (let i = 0; i < out.length; i++) out[i] = 0.299 * d[4 * i]! + 0.587 * d[4 * i + 1]! + 0.114 * d[4 * i + 2]!;
      return out;
    };
    const tiles = [...document.querySelectorAll('figure[data-peer-id]')];
    const remote = tiles.find((f) => f.querySelector('.name')?.textContent === name)?.querySelector('video');
    const local = tiles.find((f) => f.getAttribute('data-self') === 'true')?.querySelector('video');
    const a = remote && grey(remote);
    const b = local && grey(local);
    if (!a || !b) return undefined;
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
    const mean = a.reduce((x, y) => x + y, 0) / a.length;
    const contrast = Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / a.length);
    return { mad: sum / a.length, contrast };
  }, name);
}

/** Names of the members whose tiles this page shows (not counting itself). */
export function tileNames(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('figure[data-peer-id]:not([data-self="true"]) .name')].map((n) => n.textContent ?? ''),
  );
}

/**
 * The pre-join form as a member fills it: a name, the four private-space items confirmed, the group agreement
 * accepted (Join stays disabled without it). By the English labels; the Spanish test drives it by role.
 */
export async function fillPrejoin(page: Page, name: string): Promise<void> {
  await page.getByLabel('Your name, as others will see it').fill(name);
  for (const item of ['I am somewhere private', 'I am alone, or nobody can hear the group', 'I am using headphones if anyone is near', 'I am not driving']) {
    await page.getByLabel(item).check();
  }
  await page.getByLabel('I agree to keep this group’s agreement').check();
}

/** Opens a session link, fills the pre-join form and presses Join (members then wait; facilitators are in). */
export async function arrive(browser: Browser, link: string, name: string, setup?: (page: Page) => Promise<void>): Promise<Page> {
  const page = await openPage(browser, link, setup);
  await fillPrejoin(page, name);
  await page.getByRole('button', { name: 'Join' }).click();
  return page;
}

/** The facilitator lets a waiting member in from the panel, as a person would. */
export async function admitFromPanel(facilitator: Page, member: Page, name: string): Promise<void> {
  await member.getByRole('heading', { name: 'Waiting to be admitted' }).waitFor();
  await facilitator.getByRole('button', { name: `Admit ${name}` }).click();
  await member.getByRole('button', { name: 'Leave' }).waitFor();
}
