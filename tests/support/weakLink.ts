// A Hearth server on a shaped link's host address, a facilitator speaking on the host (speech file), and members
// whose Chromium runs inside the link's network namespace (tests/support/netns.ts): the weak-link test
// (tests/e2e/weaklink.test.ts) and the benchmark (tests/support/thinBench.ts) build on it. Also what crossed the
// member's whole link (the veth inside the namespace: media, RTCP, STUN, signaling, everything).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { openPage as openTracked, fillPrejoin } from './browser.js';
import { sessionLinks } from './links.js';
import { createShapedLink, launchInNamespace, type Shape, type ShapedLink } from './netns.js';
import { startServer, type TestServer } from './server.js';

const run = promisify(execFile);
export const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
/** Joining over 25 kbit/s and 500 ms RTT takes seconds per step: every UI wait is bounded by this. */
export const STEP_MS = 45_000;

export interface WeakScene {
  link: ShapedLink;
  server: TestServer;
  /** On the host, speaking (speech file as every page's microphone). */
  host: Browser;
  /** Inside the namespace. */
  inside: Browser;
  fay: Page;
  links: Awaited<ReturnType<typeof sessionLinks>>;
  /** Pages on the host capture 320x240 instead of the client's 640x480 (lighter pages, for many of them). */
  smallHostCameras: boolean;
}

/**
 * Test-side, before the app loads: every camera this page asks for is captured at 320x240 (the fake device's
 * pattern, fps from the flags), so several members fit on the host's two cores. The app itself is unchanged.
 */
const SMALL_CAMERA = `(() => {
  const md = navigator.mediaDevices; const gum = md.getUserMedia.bind(md);
  md.getUserMedia = (c) => gum(c && c.video ? { ...c, video: { width: { exact: 320 }, height: { exact: 240 } } } : c);
})();`;

/** Link (unshaped), server, both browsers and Fay in her session. Undone by closeWeakScene, also on failure. */
export async function openWeakScene(name: string, opts: { insideSpeech?: boolean; smallHostCameras?: boolean } = {}): Promise<WeakScene> {
  const link = await createShapedLink({ name });
  const parts: Partial<WeakScene> = { link, smallHostCameras: !!opts.smallHostCameras };
  try {
    parts.server = await startServer({
      http: { host: link.hostIp, port: 0 },
      rtc: { port: 0, listenIps: [link.hostIp], enableTcp: true },
      clientDir: CLIENT_DIR,
    });
    const origin = parts.server.url;
    parts.host = await launchInNamespace(undefined, { origin, speech: true });
    parts.inside = await launchInNamespace(link, { origin, speech: opts.insideSpeech });
    parts.links = await sessionLinks(parts.server);
    parts.fay = await openPage(parts.host, parts.links.facilitator, opts.smallHostCameras ? SMALL_CAMERA : undefined);
    await fillPrejoin(parts.fay, 'Fay');
    await parts.fay.getByRole('button', { name: 'Join' }).click();
    await parts.fay.getByRole('button', { name: 'Leave' }).waitFor({ timeout: STEP_MS });
    return parts as WeakScene;
  } catch (e) {
    await closeWeakScene(parts);
    throw e;
  }
}

/** Closes everything; returns the link's leak-guard count (packets that tried to leave by another interface). */
export async function closeWeakScene(s: Partial<WeakScene> | undefined): Promise<number> {
  await s?.inside?.close().catch(() => undefined);
  await s?.host?.close().catch(() => undefined);
  await s?.server?.close().catch(() => undefined);
  const leaks = s?.link ? (await s.link.stats()).guardLeaks : 0;
  await s?.link?.close();
  return leaks;
}

/** tests/support/browser.ts's openPage (RTCPeerConnection tracker), with an extra init script run first. */
async function openPage(browser: Browser, url: string, init?: string): Promise<Page> {
  if (!init) return openTracked(browser, url);
  const page = await openTracked(browser, 'about:blank');
  await page.context().addInitScript(init);
  await page.goto(url);
  return page;
}

export interface JoinOptions {
  /** Tick "Audio only: send and receive no video" on the pre-join screen. */
  audioOnly?: boolean;
  /** Turn the microphone off on the pre-join screen (a listener). */
  micOff?: boolean;
  /** Turn the camera off on the pre-join screen. */
  cameraOff?: boolean;
  /**
   * Shape the link only once the pre-join screen and the room's code have loaded on the open link (a member whose
   * link turns weak, or who has been here before: Hearth's second visit fetches no asset). Loading the 256 KB of
   * script through 25 kbit/s alone takes ~80 s; the join path benchmark measures that part.
   */
  shapeAfterLoad?: Shape;
}

/** A member opens the member link inside the namespace, chooses on the pre-join screen and presses Join. */
export function joinFromInside(s: WeakScene, name: string, opts: JoinOptions = {}): Promise<Page> {
  return joinWith(s, s.inside, name, opts);
}

/** The same on the host's open link. */
export function joinFromHost(s: WeakScene, name: string, opts: Omit<JoinOptions, 'shapeAfterLoad'> = {}): Promise<Page> {
  return joinWith(s, s.host, name, opts, s.smallHostCameras ? SMALL_CAMERA : undefined);
}

async function joinWith(s: WeakScene, browser: Browser, name: string, opts: JoinOptions, init?: string): Promise<Page> {
  const page = await openPage(browser, s.links.member, init);
  page.setDefaultTimeout(STEP_MS);
  await fillPrejoin(page, name);
  if (opts.shapeAfterLoad) {
    await page.waitForLoadState('networkidle', { timeout: STEP_MS });
    await applyShape(s.link, opts.shapeAfterLoad);
  }
  if (opts.audioOnly) await page.getByLabel('Audio only: send and receive no video').check();
  if (opts.micOff) {
    const mic = page.getByRole('button', { name: 'Microphone' });
    await mic.click();
    if ((await mic.getAttribute('aria-pressed')) !== 'false') throw new Error('microphone still on');
  }
  if (opts.cameraOff) {
    const camera = page.getByRole('button', { name: 'Camera' });
    await camera.click();
    if ((await camera.getAttribute('aria-pressed')) !== 'false') throw new Error('camera still on');
  }
  await page.getByRole('button', { name: 'Join' }).click();
  return page;
}

/** Fay admits `name` from her panel once the member's page says it waits; resolves when the member is in. */
export async function admit(s: WeakScene, member: Page, name: string, timeoutMs = STEP_MS): Promise<void> {
  await member.getByRole('heading', { name: 'Waiting to be admitted' }).waitFor({ timeout: timeoutMs });
  await s.fay.getByRole('button', { name: `Admit ${name}` }).click({ timeout: timeoutMs });
  await member.getByRole('button', { name: 'Leave' }).waitFor({ timeout: timeoutMs });
}

export async function applyShape(link: ShapedLink, shape: Shape): Promise<void> {
  await link.setRate(shape.downKbit, shape.upKbit);
  await link.setDelay(shape.delayMs ?? 0);
  await link.setLoss(shape.lossPct ?? 0, shape.lossTcp);
}

export interface LinkCounters { rxBytes: number; rxPackets: number; txBytes: number; txPackets: number; at: number }

/** The member end of the veth, inside the namespace: everything the member's machine received and sent. */
export async function linkCounters(link: ShapedLink): Promise<LinkCounters> {
  const dir = `/sys/class/net/${link.innerDev}/statistics`;
  const files = ['rx_bytes', 'rx_packets', 'tx_bytes', 'tx_packets'].map((f) => `${dir}/${f}`);
  const { stdout } = await run('ip', ['netns', 'exec', link.ns, 'cat', ...files]);
  const [rxBytes, rxPackets, txBytes, txPackets] = stdout.trim().split(/\s+/).map(Number) as [number, number, number, number];
  return { rxBytes, rxPackets, txBytes, txPackets, at: Date.now() };
}

/**
 * kbit/s down (received) and up (sent) between two readings, as IP packets: the veth counts Ethernet frames, whose
 * 14-byte header a real access link does not carry, so it is taken off per packet.
 */
export function linkRates(a: LinkCounters, b: LinkCounters): { downKbit: number; upKbit: number; downPps: number; upPps: number } {
  const s = (b.at - a.at) / 1000;
  const ip = (bytes: number, packets: number) => (8 * (bytes - 14 * packets)) / s / 1000;
  return {
    downKbit: ip(b.rxBytes - a.rxBytes, b.rxPackets - a.rxPackets),
    upKbit: ip(b.txBytes - a.txBytes, b.txPackets - a.txPackets),
    downPps: (b.rxPackets - a.rxPackets) / s,
    upPps: (b.txPackets - a.txPackets) / s,
  };
}
