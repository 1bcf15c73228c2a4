// A mediasoup worker killed under a live session, and the silence it leaves as a listener's browser hears it: used
// by tests/e2e/rebuild.test.ts and the benchmark (BENCH_ONLY=faults). The speakers' fake microphone plays a
// continuous tone (not Chromium's beep, nor speech with its pauses), so Opus never goes quiet (DTX) and every gap
// in what is decoded is the fault's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Session } from '../../server/src/room/Session.js';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.js';
import { threeInACircle } from './scene.js';
import { writeWav } from './speech.js';
import { eventually, startServer, type TestServer } from './server.js';

/** 4 s of a 440 Hz tone, 16-bit mono 48 kHz WAV (Chromium loops it). */
export function toneWav(): string {
  const file = path.join(os.tmpdir(), 'hearth-tone-440.wav');
  if (fs.existsSync(file)) return file;
  const rate = 48_000;
  fs.writeFileSync(file, writeWav(Float64Array.from({ length: rate * 4 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / rate))));
  return file;
}

/** Debian's Chromium whose fake microphone plays the tone. */
export function launchToneChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, `--use-file-for-fake-audio-capture=${toneWav()}`], headless: true });
}

/** One sample of a speaker's audio on a listener's page: its track, packets received, audio energy decoded. */
export interface Heard {
  t: number;
  track: string;
  packets: number;
  energy: number;
}

/**
 * Starts recording, in the page, the audio of `name`'s tile every 40 ms (wall clock, ms): which track plays, its
 * inbound-rtp packetsReceived and totalAudioEnergy. A sample is kept when either grew or the track changed.
 */
export async function listenTo(page: Page, name: string): Promise<void> {
  await page.evaluate((name) => {
    const w = window as unknown as { __pcs: RTCPeerConnection[]; __heard: unknown[]; __listening?: ReturnType<typeof setInterval> };
    w.__heard = [];
    clearInterval(w.__listening);
    let last = { track: '', packets: 0, energy: 0 };
    let busy = false;
    w.__listening = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const tile = [...document.querySelectorAll('figure[data-peer-id]')].find((f) => f.querySelector('.name')?.textContent === name);
        const track = ((tile?.querySelector('audio') as HTMLMediaElement | null)?.srcObject as MediaStream | null)?.getTracks()[0];
        if (!track) return;
        for (const pc of w.__pcs) {
          if (pc.connectionState === 'closed') continue;
          for (const s of (await pc.getStats()).values()) {
            if (s.type !== 'inbound-rtp' || s.trackIdentifier !== track.id) continue;
            const now = { track: track.id, packets: (s.packetsReceived as number | undefined) ?? 0, energy: (s.totalAudioEnergy as number | undefined) ?? 0 };
            if (now.track !== last.track || now.packets > last.packets || now.energy > last.energy) w.__heard.push({ t: Date.now(), ...now });
            last = now;
          }
        }
      } finally {
        busy = false;
      }
    }, 40);
  }, name);
}

/** The samples recorded by `listenTo`. */
export function heard(page: Page): Promise<Heard[]> {
  return page.evaluate(() => (window as unknown as { __heard: Heard[] }).__heard.slice());
}

/**
 * SIGKILL of the mediasoup worker under `session`'s media (as a crash or the OOM killer would end it; every worker
 * is running, so the slot index is the position in `workers()`). `rebuilt()` waits (≤ limitMs) until the
 * server has rebuilt the session's media.
 */
export function killWorkerOf(server: TestServer, session: Session, limitMs = 20_000): { rebuilt: () => Promise<void> } {
  const generation = session.room.mediaGeneration;
  process.kill(server.app.workers.workers()[session.room.media.workerIndex]!.pid, 'SIGKILL');
  return { rebuilt: () => eventually(() => session.room.mediaGeneration > generation, limitMs, 'media rebuilt') };
}

export interface Outage {
  /**
   * The silence the listener lived through (ms): from the last packet of the speaker's old track to the first
   * decoded sound of the new one (the rebuilt media gives every member new consumers, so a new track).
   */
  gapMs: number;
  /** From the kill until the listener decoded the speaker again (ms). */
  backAfterMs: number;
  /** Whether the session's media is back on the worker that died (restarted) rather than another. */
  sameWorker: boolean;
}

/**
 * SIGKILL of the worker under `session`'s media while `listener` hears `speaker`; waits (≤ limitMs) until the
 * listener decodes the speaker again and measures the silence.
 */
export async function killWorkerUnder(
  server: TestServer, session: Session, listener: Page, speaker: string, limitMs = 30_000,
): Promise<Outage> {
  await listenTo(listener, speaker);
  await eventually(async () => (await heard(listener)).filter((h) => h.energy > 0).length > 10, 10_000, `${speaker} heard before the kill`);
  const before = (await heard(listener)).at(-1)!.track;
  const index = session.room.media.workerIndex;
  const killedAt = Date.now();
  await killWorkerOf(server, session, limitMs).rebuilt();
  const again = (h: Heard) => h.track !== before && h.energy > 0;
  await eventually(async () => (await heard(listener)).some(again), limitMs, `${speaker} heard again`);
  const samples = await heard(listener);
  const lastOld = samples.filter((h) => h.track === before).reduce((a, h) => (h.packets > a.packets ? h : a));
  const firstNew = samples.find(again)!;
  return { gapMs: firstNew.t - lastOld.t, backAfterMs: firstNew.t - killedAt, sameWorker: session.room.media.workerIndex === index };
}

/**
 * For the benchmark: `kills` worker deaths under one live circle of three (Fay, Ben, Cal), on a server with
 * `numWorkers` workers; what Fay lived through each time while listening to Ben. Each kill comes 11 s after every
 * worker runs again, so none counts as dying young (one that dies within 10 s of starting restarts after a pause).
 */
export async function outagesWith(numWorkers: number, kills: number, clientDir: string): Promise<Outage[]> {
  const server = await startServer({ clientDir, mediasoup: { numWorkers } });
  const browser = await launchToneChromium();
  try {
    const scene = await threeInACircle(server, browser);
    const session = server.app.sessions.get(scene.links.session.sessionId)!;
    const out: Outage[] = [];
    for (let i = 0; i < kills; i++) {
      await eventually(() => server.app.workers.workers().length === numWorkers, 30_000, 'every worker running');
      await new Promise((r) => setTimeout(r, 11_000));
      out.push(await killWorkerUnder(server, session, scene.fay, 'Ben'));
    }
    return out;
  } finally {
    await browser.close();
    await server.close();
  }
}
