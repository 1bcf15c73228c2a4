// Thin-link benchmark rows (issue 10), used by tests/bench/run.ts:
//  - what an audio-only member's whole link carries in an 8-member session with the talking stick held, beside
//    the same member in full video and back in audio only (same session, the in-room "Audio only" toggle);
//  - how much of a speaker's audio an audio-only member conceals behind 25 kbit/s, 250 ms one way and 10 % loss,
//    beside the same member on the open link.
// The measured member's Chromium runs in a network namespace (tests/support/netns.ts); the others on the host.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { concealmentOver, type Concealment } from './audioStats.js';
import { downlink, rates, remote } from './mediaStats.js';
import { eventually, mediaTotals, sleep } from './server.js';
import {
  admit, applyShape, closeWeakScene, joinFromHost, joinFromInside, linkCounters, linkRates, openWeakScene, type WeakScene,
} from './weakLink.js';

const WINDOW_MS = Number(process.env.BENCH_THIN_WINDOW_MS ?? 20_000);
export const WEAK_SHAPE = { downKbit: 25, upKbit: 25, delayMs: 250, lossPct: 10 };

export interface LinkUse {
  downKbit: number;
  upKbit: number;
  downPps: number;
  upPps: number;
  /**
   * Of the downlink: what arrived on the member's WebRTC transports (RTP, RTCP, STUN, with IPv4 + UDP headers), by
   * the browser's own count; the rest is signaling (socket.io over TCP) and TCP acknowledgements.
   */
  mediaDownKbit: number;
  /** Of that, audio RTP (headers, payload and E2EE trailer; no SRTP tag, no IP/UDP), and packets per second. */
  audioRtpKbit: number;
  mediaDownPps: number;
  /** Streams arriving at the member in the window (inbound-rtp with bytes growing). */
  videoStreams: number;
  audioStreams: number;
}

export interface CircleResult {
  /** Joined with "Audio only" ticked on the pre-join screen. */
  audioOnly: LinkUse;
  /** The in-room "Audio only" toggle off, camera on. */
  video: LinkUse;
  /** The toggle on again, after video: the SFU keeps probing the link's bandwidth (RTP padding, payload type 127). */
  audioOnlyAfterVideo: LinkUse;
  members: number;
  guardLeaks: number;
  /** Share of the holder's audio concealed at the member while audio only (the first window). */
  holderConcealed: number;
  /** The mediasoup worker's CPU while everyone is in full video: cores used (1 = one core), and what it forwarded. */
  worker: { cores: number; consumers: number; producers: number };
}

/** CPU seconds (user + system) the processes used so far, from /proc (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14 and 15 of stat)
  }, 0);
}

/** The SFU's own share of the machine while the session runs as it is: cores used over the window. */
async function workerLoad(s: WeakScene): Promise<CircleResult['worker']> {
  const pids = s.server.app.workers.workers().map((w) => w.pid);
  const [c0, t0] = [cpuSeconds(pids), performance.now()];
  await sleep(WINDOW_MS);
  const cores = (cpuSeconds(pids) - c0) / ((performance.now() - t0) / 1000);
  const totals = await mediaTotals(s.server.app);
  return { cores, consumers: totals.consumers - totals.pausedConsumers, producers: totals.producers };
}

/** Inbound RTP streams on `page` whose bytes grew between two reads ~1 s apart, by kind. */
async function liveStreams(page: Page): Promise<{ audio: number; video: number }> {
  const read = () => page.evaluate(async () => {
    const out: Record<string, { kind: string; bytes: number }> = {};
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      for (const s of (await pc.getStats()).values()) {
        if (s.type === 'inbound-rtp') out[`${s.id}`] = { kind: s.kind, bytes: s.bytesReceived ?? 0 };
      }
    }
    return out;
  });
  const a = await read();
  await sleep(1000);
  const b = await read();
  const grew = Object.entries(b).filter(([id, v]) => v.bytes > (a[id]?.bytes ?? 0));
  return { audio: grew.filter(([, v]) => v.kind === 'audio').length, video: grew.filter(([, v]) => v.kind === 'video').length };
}

async function linkUse(s: WeakScene, member: Page): Promise<LinkUse> {
  const [a, da] = [await linkCounters(s.link), await downlink(member)];
  await sleep(WINDOW_MS);
  const [b, db] = [await linkCounters(s.link), await downlink(member)];
  const live = await liveStreams(member);
  const media = rates(da, db);
  return {
    ...linkRates(a, b), mediaDownKbit: media.wire, audioRtpKbit: media.audioRtp, mediaDownPps: media.packetsPerSecond,
    videoStreams: live.video, audioStreams: live.audio,
  };
}

const OTHERS = ['Ida', 'Jo', 'Kim', 'Lee', 'Max'];

/**
 * Fay facilitates with the talking stick; Hal holds it and speaks (speech file); Ida … Max listen with their
 * microphones off (the stick pauses them at the SFU anyway); everyone on the host sends a 320x240 camera at 15 fps.
 * Mo, the measured member, joins from the namespace in audio only (pre-join screen) with his microphone off.
 */
async function circleOfEight(s: WeakScene): Promise<Page> {
  await s.fay.getByRole('button', { name: 'Mute microphone' }).click();
  await s.fay.getByRole('button', { name: 'Talking stick' }).click();
  const hal = await joinFromHost(s, 'Hal');
  await admit(s, hal, 'Hal');
  await hal.getByRole('button', { name: 'Request the stick' }).click();
  await hal.getByRole('button', { name: 'Pass the stick' }).waitFor();
  for (const name of OTHERS) {
    const page = await joinFromHost(s, name, { micOff: true });
    await admit(s, page, name);
  }
  const mo = await joinFromInside(s, 'Mo', { micOff: true, audioOnly: true });
  await admit(s, mo, 'Mo');
  await eventually(async () => ((await remote(mo, 'Hal', 'audio'))?.totalSamplesReceived ?? 0) > 48_000, 30_000, 'Mo hearing Hal');
  return mo;
}

/** Mo turns audio only off and his camera on (it was never started: he joined in audio only). */
async function toVideo(mo: Page): Promise<void> {
  await mo.getByRole('button', { name: 'Audio only' }).click();
  const camera = mo.getByRole('button', { name: 'Stop camera' });
  await eventually(async () => !(await camera.isDisabled()), 10_000, 'camera button usable');
  if ((await camera.getAttribute('aria-pressed')) === 'true') await camera.click();
  await eventually(async () => (await liveStreams(mo)).video === OTHERS.length + 2, 30_000, 'Mo receiving every camera');
}

/** An 8-member session with the stick held: the member's whole link in full video, then in audio only. */
export async function audioOnlyInACircle(): Promise<CircleResult> {
  const result: Partial<CircleResult> = { members: 2 + OTHERS.length + 1 };
  let s: WeakScene | undefined;
  try {
    s = await openWeakScene('benchcirc', { smallHostCameras: true });
    const mo = await circleOfEight(s);
    await sleep(3000);
    const a = await remote(mo, 'Hal', 'audio');
    result.audioOnly = await linkUse(s, mo);
    const b = await remote(mo, 'Hal', 'audio');
    result.holderConcealed = a && b ? (b.concealedSamples - a.concealedSamples) / (b.totalSamplesReceived - a.totalSamplesReceived) : NaN;
    await toVideo(mo);
    await sleep(5000); // the SFU's estimate for Mo's link settles on the layers it sends
    result.video = await linkUse(s, mo);
    result.worker = await workerLoad(s);
    await mo.getByRole('button', { name: 'Audio only' }).click();
    await eventually(async () => (await liveStreams(mo)).video === 0, 15_000, 'no video reaching Mo');
    await sleep(3000);
    result.audioOnlyAfterVideo = await linkUse(s, mo);
  } finally {
    result.guardLeaks = await closeWeakScene(s);
  }
  return result as CircleResult;
}

export interface Listening { c: Concealment; downKbit: number; mediaDownKbit: number; audioRtpKbit: number }
export interface ConcealResult { open: Listening; weak: Listening; guardLeaks: number }

/** Fay's audio at `page`, and the member's downlink (whole link, and media by the browser's count), over `ms`. */
async function listening(s: WeakScene, page: Page, ms: number): Promise<Listening> {
  const [a, da] = [await linkCounters(s.link), await downlink(page)];
  const c = await concealmentOver(page, 'Fay', ms);
  if (!c) throw new Error('no audio from Fay');
  const [b, db] = [await linkCounters(s.link), await downlink(page)];
  const media = rates(da, db);
  return { c, downKbit: linkRates(a, b).downKbit, mediaDownKbit: media.wire, audioRtpKbit: media.audioRtp };
}

/**
 * Ann, audio only with her microphone off, hears Fay (speaking, speech file): 30 s on the open link, then the link
 * turns weak (25 kbit/s, 250 ms one way, 10 % UDP loss), 8 s to settle, and 30 s again.
 */
export async function concealmentOnWeakLink(): Promise<ConcealResult> {
  const result: Partial<ConcealResult> = {};
  let s: WeakScene | undefined;
  try {
    s = await openWeakScene('benchweak');
    const ann = await joinFromInside(s, 'Ann', { audioOnly: true, micOff: true });
    await admit(s, ann, 'Ann');
    await eventually(async () => ((await remote(ann, 'Fay', 'audio'))?.totalSamplesReceived ?? 0) > 2 * 48_000, 30_000, 'Ann hearing Fay');
    result.open = await listening(s, ann, 30_000);
    await applyShape(s.link, WEAK_SHAPE);
    await sleep(8000);
    result.weak = await listening(s, ann, 30_000);
  } finally {
    result.guardLeaks = await closeWeakScene(s);
  }
  return result as ConcealResult;
}
