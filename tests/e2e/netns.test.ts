// The link-shaping toolkit (tests/support/netns.ts) measured from both ends: delay, rate, loss, cut/restore, the
// leak guard, and Chromium run inside the namespace. Honest figures: these assertions can fail.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShapedLink, launchInNamespace, shapingUnavailable, type ShapedLink } from '../support/netns.js';
import { DOWNLOAD, hostEnd, NsSession, nsProbe, PING, UPLOAD, type HostEnd } from '../support/netprobe.js';
import { eventually, sleep, startServer } from '../support/server.js';

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
const DELAY = 100; // one way, so RTT 200 ms
const DOWN = 2000; // kbit/s
const UP = 800;
const LOSS = 10; // percent
const unavailable = shapingUnavailable();
if (unavailable && process.env.CI) throw new Error(`CI must run the link-shaping test: ${unavailable}`);

let link: ShapedLink;
let end: HostEnd;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const figures: Record<string, string> = {};

const title = unavailable ? `SKIPPED, ${unavailable}` : `a shaped link (${DELAY} ms each way, ${DOWN}/${UP} kbit/s)`;
describe.skipIf(unavailable)(title, () => {
  beforeAll(async () => {
    link = await createShapedLink({ name: 'selftest', delayMs: DELAY, downKbit: DOWN, upKbit: UP });
    end = await hostEnd(link.hostIp);
  });

  afterAll(async () => {
    const leaks = link ? (await link.stats()).guardLeaks : 0;
    await end?.close();
    await link?.close();
    process.stdout.write(`[netns] measured: ${JSON.stringify(figures)}\n`);
    if (!link) return;
    expect(leaks, 'packets of the test range that tried to leave by another interface').toBe(0);
    expect(fs.existsSync(`/run/netns/${link.ns}`), 'namespace removed').toBe(false);
    expect(fs.existsSync(`/sys/class/net/${link.hostDev}`), 'veth removed').toBe(false);
  });

  it('adds the delay both ways: UDP and TCP round trips ≈ 2 × delay', async () => {
    const { rtts, errors } = await nsProbe<{ rtts: number[]; errors: number }>(link, PING, [link.hostIp, end.udpPort, 20, 50, 100, 800], 10_000);
    const d = await nsProbe<{ tConnect: number }>(link, DOWNLOAD, [`http://${link.hostIp}:${end.httpPort}/?n=10`, 1], 10_000);
    figures.udpRttMedianMs = median(rtts).toFixed(1);
    figures.udpRttMaxMs = Math.max(...rtts).toFixed(1);
    figures.tcpConnectMs = d.tConnect.toFixed(1);
    expect(errors).toBe(0);
    expect(rtts.length).toBe(20);
    expect(median(rtts)).toBeGreaterThanOrEqual(2 * DELAY - 1);
    expect(median(rtts)).toBeLessThan(2 * DELAY + 15);
    expect(Math.max(...rtts)).toBeLessThan(2 * DELAY + 40);
    expect(d.tConnect).toBeGreaterThanOrEqual(2 * DELAY - 1);
    expect(d.tConnect).toBeLessThan(2 * DELAY + 40);
  });

  it('caps the rate: a TCP download and upload run at the tbf rate (±25 %), measured past slow start', async () => {
    const mark = 100_000;
    const d = await nsProbe<{ bytes: number; tMark: number; markBytes: number; tEnd: number }>(
      link, DOWNLOAD, [`http://${link.hostIp}:${end.httpPort}/?n=600000`, mark], 15_000);
    const down = ((d.bytes - d.markBytes) * 8) / (d.tEnd - d.tMark); // bits per ms = kbit/s
    await nsProbe(link, UPLOAD, [`http://${link.hostIp}:${end.httpPort}/`, 250_000], 15_000);
    const u = end.upload!;
    const up = ((u.bytes - u.markBytes) * 8) / (u.tEnd - u.tMark);
    figures.downKbit = down.toFixed(0);
    figures.upKbit = up.toFixed(0);
    expect(d.bytes).toBe(600_000);
    expect(down).toBeGreaterThan(DOWN * 0.75);
    expect(down).toBeLessThan(DOWN * 1.25);
    expect(u.bytes).toBe(250_000);
    expect(up).toBeGreaterThan(UP * 0.75);
    expect(up).toBeLessThan(UP * 1.25);
  });

  it(`drops ${LOSS} % of UDP each way, silently, and leaves TCP alone`, async () => {
    await link.setLoss(LOSS);
    try {
      const before = await link.stats();
      end.udpReceived = 0;
      const n = 1000;
      const { rtts, errors } = await nsProbe<{ rtts: number[]; errors: number }>(link, PING, [link.hostIp, end.udpPort, n, 2, 100, 800], 15_000);
      const d = await nsProbe<{ bytes: number }>(link, DOWNLOAD, [`http://${link.hostIp}:${end.httpPort}/?n=100000`, 1], 10_000);
      const after = await link.stats();
      const upLoss = 100 * (1 - end.udpReceived / n);
      const downLoss = 100 * (1 - rtts.length / end.udpReceived);
      figures.upLossPct = upLoss.toFixed(1);
      figures.downLossPct = downLoss.toFixed(1);
      expect(errors, 'a lost packet never fails the send').toBe(0);
      // Binomial, n ≈ 1000, p = 0.1: sd ≈ 1 point; ±4 points is about 4 sd.
      expect(Math.abs(upLoss - LOSS)).toBeLessThan(4);
      expect(Math.abs(downLoss - LOSS)).toBeLessThan(4);
      expect(after.lostUp - before.lostUp).toBe(n - end.udpReceived);
      expect(after.lostDown - before.lostDown).toBe(end.udpReceived - rtts.length);
      expect(d.bytes, 'TCP is not subject to the UDP loss').toBe(100_000);
    } finally {
      await link.setLoss(0);
    }
  });

  it('cut() stalls TCP and UDP without an error at either end; restore() brings both back on the same connection', async () => {
    const probe = new NsSession(link, end);
    try {
      await eventually(() => probe.has('connected'), 5000, 'TCP connect');
      probe.send('tcp', 'a');
      probe.send('udp', 'u1');
      await eventually(() => probe.has('tcp', 'a') && probe.has('udp', 'u1'), 3000, 'echoes before the cut');
      await link.cut();
      probe.send('tcp', 'b');
      probe.send('udp', 'u2');
      await sleep(1500);
      expect(probe.has('tcp', 'b') || probe.has('udp', 'u2') || end.tcpData.includes('b'), 'nothing crosses a cut link').toBe(false);
      expect((await link.stats()).cutDrops).toBeGreaterThan(0);
      await link.restore();
      const t0 = performance.now();
      probe.send('udp', 'u3');
      await eventually(() => probe.has('udp', 'u3'), 2000, 'UDP after restore');
      await eventually(() => probe.has('tcp', 'b'), 8000, 'the TCP retransmission after restore');
      figures.tcpRecoveryMs = (performance.now() - t0).toFixed(0);
      const trouble = probe.events.filter((e) => e.ev.endsWith('error') || e.ev === 'tcp-close');
      expect(trouble, 'no RST, ICMP or send error reached the namespace side').toEqual([]);
      expect(end.tcpTrouble, 'nor the host side').toEqual([]);
    } finally {
      probe.close();
    }
  });

  it('runs Chromium inside the namespace: it loads a Hearth server listening on the host end, as a secure context', async () => {
    const server = await startServer({ clientDir: CLIENT_DIR, http: { host: link.hostIp, port: 0 }, rtc: { listenIps: [link.hostIp] } });
    const browser = await launchInNamespace(link, { origin: server.url, speech: true });
    try {
      const txFile = `/sys/class/net/${link.hostDev}/statistics/tx_bytes`;
      const tx0 = Number(fs.readFileSync(txFile, 'utf8'));
      const page = await (await browser.newContext()).newPage();
      const t0 = performance.now();
      const res = await page.goto(server.url, { waitUntil: 'load', timeout: 30_000 });
      figures.chromiumLoadMs = (performance.now() - t0).toFixed(0);
      const sent = Number(fs.readFileSync(txFile, 'utf8')) - tx0;
      const transferred = await page.evaluate(() =>
        [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
          .reduce((n, e) => n + (e as PerformanceResourceTiming).transferSize, 0));
      figures.chromiumKB = `${(transferred / 1000).toFixed(0)} by the page, ${(sent / 1000).toFixed(0)} over the veth`;
      expect(res?.status()).toBe(200);
      expect(await page.evaluate(() => window.isSecureContext), 'the insecure origin is treated as secure').toBe(true);
      expect(await page.locator('#app > *').count(), 'the client rendered').toBeGreaterThan(0);
      expect(transferred).toBeGreaterThan(10_000);
      expect(sent, 'every byte the page fetched came through the shaped veth').toBeGreaterThanOrEqual(transferred);
      // Connect, the document, then its module script: at least two round trips more than the bytes at the rate.
      expect(Number(figures.chromiumLoadMs), 'and paid the delay').toBeGreaterThan(2 * 2 * DELAY);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
