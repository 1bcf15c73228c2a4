// npm run bench: performance figures, side by side in one run (ratios), printed as tables. Not a test.
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { clearBytes, openFrame, sealFrame } from '@hearth/shared/crypto/frame';
import { deriveSenderKey } from '@hearth/shared/crypto/keySchedule';
import { FIRST_SCREEN_BUDGET, measureBundle } from '../support/bundle.js';
import { admitFromPanel, arrive, inbound, launchChromium, tileNames } from '../support/browser.js';
import { sessionLinks } from '../support/links.js';
import { fuzzBench } from '../support/fuzzBench.js';
import { joinBench, type JoinTiming } from '../support/joinBench.js';
import { MaliciousServer } from '../support/malicious.js';
import { shapingUnavailable } from '../support/netns.js';
import { audioOnlyInACircle, concealmentOnWeakLink } from '../support/thinBench.js';
import { eventually, sleep, startServer } from '../support/server.js';
import { bareLoad, hearthLoad, type LoadResult } from '../support/load/generator.js';
import { outagesWith } from '../support/workerDeath.js';

const REMOVALS = Number(process.env.BENCH_REMOVALS ?? 12);
const HANDOVERS = Number(process.env.BENCH_HANDOVERS ?? 6);
const JOINS = Number(process.env.BENCH_JOINS ?? 3);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 0);

function table(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  console.log(`\n${title}`);
  for (const [i, r] of cells.entries()) {
    console.log(`| ${r.map((c, j) => c.padEnd(widths[j]!)).join(' | ')} |`);
    if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  }
}

/** What a member's browser downloads (client/dist, gzipped): before the first screen draws, and in all. */
function bundleSize(): void {
  const m = measureBundle();
  const k = (bytes: number) => (bytes / 1024).toFixed(1);
  table(`Client JavaScript (client/dist), first-screen budget ${FIRST_SCREEN_BUDGET / 1024} KB`, ['what', 'KB gzipped', 'ratio to first screen'], [
    ['first-screen JS gzipped (home, host, pre-join)', k(m.firstScreenGzip), '1'],
    ['total JS gzipped (adds the room: mediasoup-client, libsodium, TypeBox, socket.io)', k(m.totalGzip), fmt(m.totalGzip / m.firstScreenGzip)],
  ]);
}

async function frameCrypto(): Promise<void> {
  const sk = await deriveSenderKey(new Uint8Array(32).fill(7), 1, 'bench');
  const frame = crypto.getRandomValues(new Uint8Array(3200)); // a 640x480 VP8 delta frame is about this size
  const n = 3000;
  let t = performance.now();
  for (let i = 0; i < n; i++) frame.slice();
  const copy = (performance.now() - t) / n;
  t = performance.now();
  const sealed: Uint8Array[] = [];
  for (let i = 0; i < n; i++) sealed.push(await sealFrame(sk, 1, i, frame, clearBytes('video', false)));
  const seal = (performance.now() - t) / n;
  t = performance.now();
  for (const s of sealed) await openFrame(sk, s, clearBytes('video', false));
  const open = (performance.now() - t) / n;
  table('Frame encryption, 3.2 KB frames (Node WebCrypto; browsers add the transform plumbing)', ['operation', 'µs per frame', 'ratio to a plain copy'], [
    ['plain copy', fmt(copy * 1000), '1'],
    ['seal (AES-128-GCM + header)', fmt(seal * 1000), fmt(seal / copy)],
    ['open', fmt(open * 1000), fmt(open / copy)],
    ['overhead bytes per frame', String(sealed[0]!.length - frame.length), '-'],
  ]);
}

/** Time from the removal request until the removed page's decoded frames stop growing, and until its tile goes. */
async function removalLockout(): Promise<void> {
  const evil = new MaliciousServer();
  const server = await startServer({ clientDir: fileURLToPath(new URL('../../client/dist', import.meta.url)) }, evil.options);
  const browser = await launchChromium();
  const lockout: number[] = [];
  const tileGone: number[] = [];
  try {
    const links = await sessionLinks(server);
    const fay = await arrive(browser, links.facilitator, 'Fay');
    for (let i = 0; i < REMOVALS; i++) {
      const name = `Cal${i}`;
      const cal: Page = await arrive(browser, links.member, name);
      await admitFromPanel(fay, cal, name);
      await eventually(async () => ((await inbound(cal, 'Fay', 'video'))?.framesDecoded ?? 0) > 10, 20_000, 'decoding');
      evil.silentRemoval(name);
      await fay.getByRole('button', { name: `Remove ${name}` }).click();
      const t0 = performance.now();
      await fay.getByRole('button', { name: 'Confirm' }).click();
      let last = (await inbound(cal, 'Fay', 'video'))?.framesDecoded ?? 0;
      let lastChange = performance.now();
      let gone: number | undefined;
      while (performance.now() - t0 < 3000) {
        const f = (await inbound(cal, 'Fay', 'video'))?.framesDecoded ?? 0;
        if (f !== last) [last, lastChange] = [f, performance.now()];
        if (gone === undefined && !(await tileNames(fay)).includes(name)) gone = performance.now() - t0;
        await sleep(20);
      }
      lockout.push(lastChange - t0);
      tileGone.push(gone ?? NaN);
      await cal.context().close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  table(`Removal to lockout, ${REMOVALS} removals in Chromium (a malicious server keeps forwarding to the removed page)`,
    ['measure', 'p50 ms', 'p95 ms', 'max ms', 'p95 ratio to signaling'], [
      ['removal shown to facilitator (signaling round trip)', fmt(pct(tileGone, 50)), fmt(pct(tileGone, 95)), fmt(Math.max(...tileGone)), '1'],
      ['last frame the removed page decoded', fmt(pct(lockout, 50)), fmt(pct(lockout, 95)), fmt(Math.max(...lockout)), fmt(pct(lockout, 95) / pct(tileGone, 95))],
    ]);
}

const newestEpoch = (p: Page) =>
  p.evaluate(() => Math.max(0, ...(window as unknown as { __groupKeys: { epoch: number }[] }).__groupKeys.map((k) => k.epoch)));

/**
 * The facilitator's tab closes (a dropped link): time until the co-facilitator and a member both hold the same
 * new key, against the time until the member's page shows she is gone (the signaling the handover starts from).
 */
async function leaderHandover(): Promise<void> {
  const server = await startServer({ clientDir: fileURLToPath(new URL('../../client/dist', import.meta.url)) });
  const browser = await launchChromium();
  const keyed: number[] = [];
  const told: number[] = [];
  try {
    for (let i = 0; i < HANDOVERS; i++) {
      const links = await sessionLinks(server);
      const fay = await arrive(browser, links.facilitator, 'Fay');
      await fay.getByLabel('Role').selectOption('cofacilitator');
      await fay.getByRole('button', { name: 'Create invite link' }).click();
      const cody = await arrive(browser, await fay.locator('#invite-link').inputValue(), 'Cody');
      await cody.getByRole('button', { name: 'Leave' }).waitFor();
      const ben = await arrive(browser, links.member, 'Ben');
      await admitFromPanel(fay, ben, 'Ben');
      await eventually(async () => (await newestEpoch(ben)) > 0 && (await newestEpoch(ben)) === (await newestEpoch(cody)), 20_000, 'keys');
      await sleep(500);
      const before = await newestEpoch(ben);
      const t0 = performance.now();
      await fay.context().close();
      let [k, g] = [NaN, NaN];
      while (performance.now() - t0 < 5000 && (Number.isNaN(k) || Number.isNaN(g))) {
        if (Number.isNaN(g) && !(await tileNames(ben)).includes('Fay')) g = performance.now() - t0;
        const [eb, ec] = [await newestEpoch(ben), await newestEpoch(cody)];
        if (Number.isNaN(k) && eb > before && eb === ec) k = performance.now() - t0;
        await sleep(10);
      }
      keyed.push(k);
      told.push(g);
      await cody.context().close();
      await ben.context().close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  table(`Key leader handover, ${HANDOVERS} dropped facilitators in Chromium (co-facilitator takes over)`,
    ['measure', 'p50 ms', 'max ms', 'p50 ratio to signaling'], [
      ['member sees the facilitator gone (signaling)', fmt(pct(told, 50)), fmt(Math.max(...told)), '1'],
      ['co-facilitator and member hold the same new key', fmt(pct(keyed, 50)), fmt(Math.max(...keyed)), fmt(pct(keyed, 50) / pct(told, 50))],
    ]);
}

/**
 * Invite link click -> first remote audio, the member's Chromium in a network namespace: an open link, and a
 * 3G-like one (300 ms RTT, 1.6 Mbit/s down, 0.75 up); cold cache, then a second visit in the same context (warm).
 * The facilitator is on the host, already in, speaking (speech file), and admits as soon as the member waits.
 */
async function joinPath(): Promise<void> {
  const why = shapingUnavailable();
  if (why) return console.log(`\nJoin path on a 3G-like link: skipped (${why})`);
  const open = await joinBench('benchopen', {}, JOINS);
  const slow = await joinBench('bench3g', { delayMs: 150, downKbit: 1600, upKbit: 750 }, JOINS);
  // The same, with the member 3 s on the pre-join screen (reading it, typing a name) before Join: the room's code,
  // the socket and the keys get ready meanwhile. Totals leave the 3 s out: it is the member's time, not a wait.
  const typed = await joinBench('bench3gt', { delayMs: 150, downKbit: 1600, upKbit: 750 }, JOINS, 3000);
  const p50 = (xs: JoinTiming[], k: keyof JoinTiming) => {
    const ok = xs.map((x) => x[k]).filter((v) => !Number.isNaN(v));
    return ok.length ? pct(ok, 50) : NaN;
  };
  const base = p50(open.cold, 'totalMs');
  const row = (link: string, cache: string, xs: JoinTiming[]) => [
    link, cache, fmt(p50(xs, 'prejoinMs')), fmt(p50(xs, 'joinToWaitingMs')), fmt(p50(xs, 'admitToAudioMs')),
    fmt(p50(xs, 'totalMs')), fmt(p50(xs, 'totalMs') / base), fmt(p50(xs, 'fetchedKB')),
    `${xs.filter((x) => Number.isNaN(x.totalMs)).length}/${xs.length}`,
  ];
  table(`Invite link click -> first remote audio, member's Chromium behind a shaped link (median of ${JOINS}; totals leave out the time spent typing; leak guard: ${open.guardLeaks + slow.guardLeaks + typed.guardLeaks} packets)`,
    ['link', 'cache', 'pre-join usable ms', 'join -> waiting ms', 'admit -> first audio ms', 'total ms', 'ratio to open cold', 'KB fetched', 'failed'], [
      row('open', 'cold', open.cold), row('open', 'warm', open.warm),
      row('3G: 300 ms RTT, 1.6/0.75 Mbit/s', 'cold', slow.cold), row('3G: 300 ms RTT, 1.6/0.75 Mbit/s', 'warm', slow.warm),
      row('3G, 3 s typing a name first', 'cold', typed.cold), row('3G, 3 s typing a name first', 'warm', typed.warm),
    ]);
}

/**
 * Thin links (issue 10), the measured member's Chromium in a network namespace, bytes counted on its veth (media,
 * RTCP, STUN, signaling: everything, as IP packets): in an 8-member session with the talking stick held (the holder
 * speaking), the member in audio only from the start, in full video, and in audio only again; and the share of a speaker's audio an audio-only
 * member conceals on a weak link (25 kbit/s, 250 ms one way, 10 % UDP loss) against the open link.
 */
async function thinLinks(): Promise<void> {
  const why = shapingUnavailable();
  if (why) return console.log(`\nThin links: skipped (${why})`);
  const c = await audioOnlyInACircle();
  const k = (n: number) => n.toFixed(1);
  const use = (mode: string, u: typeof c.video) => [
    mode, k(u.downKbit), k(u.upKbit), k(u.mediaDownKbit), k(u.audioRtpKbit), `${u.videoStreams} + ${u.audioStreams}`,
    fmt(u.downKbit / c.audioOnly.downKbit),
  ];
  table(`One member's whole link in a ${c.members}-member session, talking stick held, E2EE on, RTCP and signaling included (goal: audio only ≤ 20 kbit/s down; leak guard: ${c.guardLeaks} packets)`,
    ['member', 'down kbit/s', 'up kbit/s', 'of which WebRTC (+ IP/UDP)', 'of which audio RTP', 'streams in (video + audio)', 'down ratio to audio only'], [
      use('audio only (ticked before joining), microphone off', c.audioOnly),
      use('full video (toggle off, camera on), microphone off', c.video),
      use('audio only again (toggle on, after video)', c.audioOnlyAfterVideo),
    ]);
  const perSession = c.worker.cores;
  table('The SFU while all 8 are in full video (320x240 cameras, simulcast, E2EE): the mediasoup worker\'s own CPU', [
    'producers', 'consumers (not paused)', 'worker cores used', 'CPU ms per consumer per s', '8-member sessions per core at 70 %',
  ], [[String(c.worker.producers), String(c.worker.consumers), c.worker.cores.toFixed(3),
    (1000 * perSession / Math.max(1, c.worker.consumers)).toFixed(2), (0.7 / perSession).toFixed(1)]]);
  const again = c.audioOnlyAfterVideo.downKbit - c.audioOnly.downKbit;
  console.log(`audio only ≤ 20 kbit/s down: ${c.audioOnly.downKbit <= 20 ? 'met' : 'NOT met'} from the start, `
    + `${c.audioOnlyAfterVideo.downKbit <= 20 ? 'met' : 'NOT met'} after video (${again >= 0 ? '+' : ''}${k(again)} kbit/s: the SFU's bandwidth probes); the holder's audio concealed at the member in audio only: ${(100 * c.holderConcealed).toFixed(2)} %`);
  const w = await concealmentOnWeakLink();
  const pctOf = (x: number) => (100 * x).toFixed(2);
  const conceal = (link: string, l: typeof w.open) => [
    link, pctOf(l.c.ratio), pctOf(l.c.audibleRatio), l.c.lossPct.toFixed(1), String(l.c.fecPacketsReceived), l.c.jitterBufferMs.toFixed(0),
    k(l.downKbit), k(l.mediaDownKbit), (100 * (l.c.ratio - w.open.c.ratio)).toFixed(2),
  ];
  table(`A speaker's audio at an audio-only member, 30 s each (goal: ≤ 10 % concealed on the weak link; leak guard: ${w.guardLeaks} packets)`,
    ['link', '% concealed', '% concealed outside silences', '% packets lost', 'FEC packets', 'jitter buffer ms', 'member down kbit/s', 'of which WebRTC', 'concealed: points over open'], [
      conceal('open', w.open),
      conceal('weak: 25 kbit/s, 250 ms one way, 10 % loss', w.weak),
    ]);
  console.log(`≤ 10 % concealed on the weak link: ${w.weak.c.ratio <= 0.1 ? 'met' : 'NOT met'}`);
}

const LOAD_MEMBERS = 8;
const LOAD_STEPS = (process.env.BENCH_LOAD_STEPS ?? '1,2,4,8,12,16,24,32').split(',').map(Number).slice(0, 8);
const LOAD_WINDOW_MS = Number(process.env.BENCH_LOAD_WINDOW_MS ?? 8000);
const LOAD_BUDGET_MS = Number(process.env.BENCH_LOAD_BUDGET_MS ?? 300_000);

/**
 * Load (issue 13): N sessions of 8 (signaling bots admitted by a facilitator bot, producing and consuming, one
 * small request a second each; real RTP, 50 pps x 60 B audio and 15 fps x 1000 B video per member, through each
 * session's own router), N stepped up until p99 request -> ack passes 100 ms, beside bare mediasoup forwarding
 * the same streams (a router per session on a worker of its own, no Hearth) in the same run.
 */
async function loadSteps(): Promise<void> {
  const t0 = performance.now();
  const rows: (string | number)[][] = [];
  let held = 0;
  for (const n of LOAD_STEPS) {
    if (performance.now() - t0 > LOAD_BUDGET_MS) break;
    const opts = { sessions: n, members: LOAD_MEMBERS, windowMs: LOAD_WINDOW_MS };
    const h = await hearthLoad(opts);
    const b = await bareLoad(opts);
    const perStream = (r: LoadResult) => (1000 * (r.workerCores + r.nodeCores)) / r.streams;
    const p99 = pct(h.latencies, 99);
    rows.push([n, h.streams, fmt(pct(h.latencies, 50)), fmt(p99), `${h.latencies.length}/${h.failedRequests}`,
      (100 * h.loss).toFixed(2), (100 * b.loss).toFixed(2), h.workerCores.toFixed(3), h.nodeCores.toFixed(3),
      b.workerCores.toFixed(3), b.nodeCores.toFixed(3), perStream(h).toFixed(2), perStream(b).toFixed(2), fmt(perStream(h) / perStream(b))]);
    console.log(`load step ${n}: p99 ${fmt(p99)} ms, ${((performance.now() - t0) / 1000).toFixed(0)} s so far`);
    if (p99 > 100) break;
    held = n;
  }
  table(`Load: sessions of ${LOAD_MEMBERS} on this machine (${LOAD_WINDOW_MS / 1000} s per step; Hearth and bare mediasoup forward the same RTP over loopback; Node = this process: server, bots and RTP alike)`,
    ['sessions', 'streams forwarded', 'p50 ms', 'p99 ms', 'requests ok/failed', 'Hearth loss %', 'bare loss %', 'Hearth worker cores',
      'Hearth Node cores', 'bare worker cores', 'bare Node cores', 'Hearth CPU ms/s per stream', 'bare CPU ms/s per stream', 'Hearth/bare ratio'], rows);
  console.log(`sessions of ${LOAD_MEMBERS} held at p99 <= 100 ms: ${held} (steps ${LOAD_STEPS.join(', ')}; stopped at the first over the bound or the ${LOAD_BUDGET_MS / 1000} s budget)`);
}

/** Property-based fuzzing (tests/support/fuzz.ts) against a real server: every role, every kind of mutation. */
async function fuzzing(): Promise<void> {
  const r = await fuzzBench(Number(process.env.BENCH_FUZZ_MESSAGES ?? 100_000));
  const rows = [...r.tally.rows].sort(([a], [b]) => a.localeCompare(b))
    .map(([key, v]) => [...key.split('\t'), String(v.messages), String(v.ok), String(v.typed), String(v.closed)]);
  table(`Fuzzing every inbound message, ${r.tally.messages} messages (200 per fresh session, real mediasoup worker)`,
    ['role', 'mutation', 'messages', 'ok', 'typed errors', 'socket closed by the server'], rows);
  table('Fuzzing: answers and the server', ['what', 'value'], [
    ...[...r.tally.codes].sort(([, a], [, b]) => b - a).map(([code, n]) => [`typed error ${code}`, String(n)]),
    ['INTERNAL, wrong-shaped or missing answers (faults)', String(r.tally.faults.length)],
    ['crashes (healthz not ok after the run)', r.healthy ? '0' : '1'],
    ['bystander session still consumes', r.bystandersWork ? 'yes' : 'NO'],
    ['messages/s (sessions seated included)', fmt(r.tally.messages / r.seconds)],
    ['bench process RSS before / after, MB (server in this process)', `${fmt(r.rssBeforeMb)} / ${fmt(r.rssAfterMb)}`],
  ]);
  for (const f of r.tally.faults.slice(0, 10)) console.log(`fault: ${f}`);
}

/** Issue 13: a mediasoup worker killed under a live circle of three; the silence a listener lives through. */
async function workerDeaths(): Promise<void> {
  const kills = Number(process.env.BENCH_KILLS ?? 3);
  const clientDir = fileURLToPath(new URL('../../client/dist', import.meta.url));
  const other = await outagesWith(2, kills, clientDir);
  const same = await outagesWith(1, kills, clientDir);
  const row = (what: string, o: { gapMs: number; backAfterMs: number }[]) => {
    const gaps = o.map((x) => x.gapMs);
    return [what, String(o.length), String(pct(gaps, 50)), String(Math.max(...gaps)), String(pct(o.map((x) => x.backAfterMs), 50))];
  };
  table(`A mediasoup worker killed (SIGKILL) under a live circle of three (E2EE, 640x480 video, continuous tone): the silence the listener hears, ms`,
    ['media rebuilt on', 'kills', 'silence p50', 'silence max', 'sound again after the kill, p50'],
    [row('the other worker (2 workers)', other), row('the same worker, restarted (1 worker)', same)]);
  console.log(`ratio, same worker restarted / other worker (silence p50): ${fmt(pct(same.map((x) => x.gapMs), 50) / pct(other.map((x) => x.gapMs), 50))}`);
}

// BENCH_ONLY=join,crypto,... runs only the named sections (all when unset).
const only = process.env.BENCH_ONLY?.split(',');
const wanted = (name: string) => !only || only.includes(name);
if (wanted('bundle')) bundleSize();
if (wanted('crypto')) await frameCrypto();
if (wanted('removal')) await removalLockout();
if (wanted('handover')) await leaderHandover();
if (wanted('join')) await joinPath();
if (wanted('thin')) await thinLinks();
if (wanted('load')) await loadSteps();
if (wanted('fuzz')) await fuzzing();
if (wanted('faults')) await workerDeaths();
