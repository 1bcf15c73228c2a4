// The join-path benchmark (issue 10): from the member's click on the invite link to the first remote audio, with
// the member's Chromium inside a shaped network namespace (tests/support/netns.ts) and the facilitator, already in
// the session with the speech file as her microphone, on the host. Used by tests/bench/run.ts.
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { arrive, fillPrejoin, inbound } from './browser.js';
import { sessionLinks } from './links.js';
import { createShapedLink, launchInNamespace, type Shape, type ShapedLink } from './netns.js';
import { sleep, startServer, type TestServer } from './server.js';

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
/** Every wait is bounded: a step that takes longer counts as failed (NaN) and the visit is abandoned. */
const STEP_MS = 60_000;

export interface JoinTiming {
  /** Navigation start -> the name field and Join button are there to use. */
  prejoinMs: number;
  /** Join pressed -> the member's page says it is waiting to be admitted. */
  joinToWaitingMs: number;
  /** The facilitator presses Admit -> the member's page has decoded the facilitator's first audio samples. */
  admitToAudioMs: number;
  /** The three together: click to first audio with typing and admission taken as instant. */
  totalMs: number;
  /** What the page fetched (transfer sizes, headers included), KB. */
  fetchedKB: number;
}

export interface JoinBenchResult { cold: JoinTiming[]; warm: JoinTiming[]; guardLeaks: number }

/** Only what inbound() needs: every RTCPeerConnection the page makes, in window.__pcs. */
const TRACK_PCS = `(() => {
  const Native = window.RTCPeerConnection; const all = [];
  window.RTCPeerConnection = class extends Native { constructor(...a) { super(...a); all.push(this); } };
  window.__pcs = all;
})();`;

const failed = (): JoinTiming => ({ prejoinMs: NaN, joinToWaitingMs: NaN, admitToAudioMs: NaN, totalMs: NaN, fetchedKB: NaN });

async function firstAudio(page: Page, from: string): Promise<number> {
  const end = performance.now() + STEP_MS;
  while (performance.now() < end) {
    if (((await inbound(page, from, 'audio'))?.totalSamplesReceived ?? 0) > 0) return performance.now();
    await sleep(20);
  }
  throw new Error('no audio');
}

/** Resolves at the first animation frame where `selector` matches a visible element. */
async function shown(page: Page, selector: string): Promise<void> {
  await page.waitForFunction((sel) => {
    const el = document.querySelector(sel);
    return !!el && (el as HTMLElement).offsetParent !== null;
  }, selector, { polling: 'raf', timeout: STEP_MS });
}

/** One visit of the member link in `context`, admitted by `fay` as soon as the member's page says it waits. */
async function visit(context: BrowserContext, fay: Page, link: string, name: string, dwellMs: number): Promise<JoinTiming> {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  await page.addInitScript(TRACK_PCS);
  try {
    const t0 = performance.now();
    await page.goto(link, { waitUntil: 'commit', timeout: STEP_MS });
    // Checked at every frame: a locator's waitFor polls with a back-off (up to 500 ms late), which once added
    // half a second to "join -> waiting" here.
    await shown(page, 'input');
    const tUsable = performance.now();
    await fillPrejoin(page, name);
    const join = page.getByRole('button', { name: 'Join' });
    // A member reads the screen and types a name before pressing Join (the room loads meanwhile).
    if (dwellMs > 0) await sleep(dwellMs);
    const tJoin = performance.now();
    await join.click();
    await shown(page, '#waiting-title');
    const tWaiting = performance.now();
    const admit = fay.getByRole('button', { name: `Admit ${name}` });
    await admit.waitFor({ timeout: STEP_MS });
    const tAdmit = performance.now();
    await admit.click({ timeout: STEP_MS });
    const tAudio = await firstAudio(page, 'Fay');
    const fetched = await page.evaluate(() =>
      [...window.performance.getEntriesByType('navigation'), ...window.performance.getEntriesByType('resource')]
        .reduce((n, e) => n + (e as PerformanceResourceTiming).transferSize, 0));
    const prejoinMs = tUsable - t0;
    return {
      prejoinMs, joinToWaitingMs: tWaiting - tJoin, admitToAudioMs: tAudio - tAdmit,
      totalMs: prejoinMs + (tWaiting - tJoin) + (tAudio - tAdmit), fetchedKB: fetched / 1000,
    };
  } catch {
    return failed();
  } finally {
    await page.getByRole('button', { name: 'Leave' }).click({ timeout: 2000 }).catch(() => undefined);
    await page.close().catch(() => undefined);
  }
}

interface Scene { link: ShapedLink; server: TestServer; host: Browser; member: Browser; fay: Page; memberLink: string }

async function scene(name: string, shape: Shape): Promise<Scene> {
  const link = await createShapedLink({ name, ...shape });
  const parts: Partial<Scene> = { link };
  try {
    parts.server = await startServer({ clientDir: CLIENT_DIR, http: { host: link.hostIp, port: 0 }, rtc: { listenIps: [link.hostIp] } });
    const origin = parts.server.url;
    parts.host = await launchInNamespace(undefined, { origin, speech: true });
    parts.member = await launchInNamespace(link, { origin });
    const links = await sessionLinks(parts.server);
    parts.fay = await arrive(parts.host, links.facilitator, 'Fay');
    await parts.fay.getByRole('button', { name: 'Leave' }).waitFor({ timeout: STEP_MS });
    return { ...(parts as Scene), memberLink: links.member };
  } catch (e) {
    await teardown(parts);
    throw e;
  }
}

async function teardown(s: Partial<Scene>): Promise<number> {
  await s.member?.close();
  await s.host?.close();
  await s.server?.close();
  const leaks = s.link ? (await s.link.stats()).guardLeaks : 0;
  await s.link?.close();
  return leaks;
}

/**
 * `runs` times: a fresh browser context visits the member link (cold cache), then visits it again in the same
 * context (warm). The member's Chromium runs behind a link shaped as `shape`; a new name each visit.
 */
export async function joinBench(name: string, shape: Shape, runs: number, dwellMs = 0): Promise<JoinBenchResult> {
  const s = await scene(name, shape);
  const result: JoinBenchResult = { cold: [], warm: [], guardLeaks: NaN };
  try {
    for (let i = 0; i < runs; i++) {
      const context = await s.member.newContext({ viewport: { width: 960, height: 720 } });
      result.cold.push(await visit(context, s.fay, s.memberLink, `Cold${i}`, dwellMs));
      result.warm.push(await visit(context, s.fay, s.memberLink, `Warm${i}`, dwellMs));
      await context.close();
    }
  } finally {
    result.guardLeaks = await teardown(s);
  }
  return result;
}
