import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { types } from 'mediasoup';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitFromPanel, arrive, openPage, fillPrejoin } from '../support/browser.js';
import { sessionLinks } from '../support/links.js';
import { downlink, launchSpeaking, matchesFakeCamera, rates, remote, sentVideoFrames } from '../support/mediaStats.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { speechWav } from '../support/speech.js';
import { tapVp8 } from '../support/vp8tap.js';
import { clearBytes, frameHeader } from '@hearth/shared/crypto/frame';

// Audio only, low data and simulcast in Chromium, three pages: Fay facilitates with camera and a speaking
// microphone (a speech file, not the beep), Ava arrives in audio only (chosen on the pre-join screen), Ben sends and
// receives everything. Assertions are on decoded media and on what mediasoup holds, never on the DOM alone.

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
let server: TestServer;
let browser: Browser;
let fay: Page;
let ava: Page;
let ben: Page;
/** Members named dominant speaker by the room's ActiveSpeakerObserver (real detection, from the audio levels). */
const dominant: string[] = [];
const routers: types.Router[] = [];

const session = () => server.app.sessions.list()[0]!;
const idOf = (name: string) => session().roster().members.find((m) => m.displayName === name)!.id;
const held = (name: string) => session().room.media.inspect(idOf(name));

beforeAll(async () => {
  if (!fs.existsSync(`${CLIENT_DIR}/index.html`)) throw new Error('client not built: run the build first');
  server = await startServer({ clientDir: CLIENT_DIR });
  for (const w of server.app.workers.workers()) {
    w.observer.on('newrouter', (r) => routers.push(r));
    w.observer.on('newrouter', (r) => r.observer.on('newrtpobserver', (o) => {
      (o as types.ActiveSpeakerObserver).observer.on('dominantspeaker', ({ producer }) => dominant.push(producer.id));
    }));
  }
  browser = await launchSpeaking(await speechWav());
  const links = await sessionLinks(server);
  fay = await arrive(browser, links.facilitator, 'Fay');
  ava = await openPage(browser, links.member);
  await fillPrejoin(ava, 'Ava');
  await ava.getByLabel('Audio only: send and receive no video').check();
  await ava.getByRole('button', { name: 'Join' }).click();
  await admitFromPanel(fay, ava, 'Ava');
  ben = await arrive(browser, links.member, 'Ben');
  await admitFromPanel(fay, ben, 'Ben');
  // The talking stick, held by nobody: only the facilitator is heard (as when a member holds it in a large group).
  await fay.getByRole('button', { name: 'Talking stick' }).click();
  await eventually(async () => ((await remote(ava, 'Fay', 'audio'))?.totalSamplesReceived ?? 0) > 48_000, 30_000, 'Ava hearing Fay');
  await eventually(async () => ((await remote(ben, 'Fay', 'video'))?.framesDecoded ?? 0) > 10, 30_000, 'Ben seeing Fay');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('audio only', () => {
  it('hears the facilitator, receives and sends no video, and its downlink stays thin', async () => {
    await sleep(2000);
    const a = await downlink(ava);
    const fa = await remote(ava, 'Fay', 'audio');
    await sleep(10_000);
    const b = await downlink(ava);
    const fb = await remote(ava, 'Fay', 'audio');
    const r = rates(a, b);
    const concealed = (fb!.concealedSamples - fa!.concealedSamples) / (fb!.totalSamplesReceived - fa!.totalSamplesReceived);
    // eslint-disable-next-line no-console
    console.log(`audio-only downlink over 10 s: audio RTP ${r.audioRtp.toFixed(1)} kbit/s, transport ${r.transport.toFixed(1)} kbit/s, `
      + `wire (with IPv4+UDP) ${r.wire.toFixed(1)} kbit/s, ${r.packetsPerSecond.toFixed(1)} packets/s, concealed ${(100 * concealed).toFixed(2)} %`);

    expect(fb!.totalSamplesReceived - fa!.totalSamplesReceived, 'Fay’s audio plays at Ava').toBeGreaterThan(9 * 48_000);
    expect(fb!.totalAudioEnergy - fa!.totalAudioEnergy, 'and is not silence').toBeGreaterThan(0);
    expect(concealed, 'little concealment').toBeLessThan(0.05);
    // Everything Ava receives (one speaker, Opus 10 kbit/s in 60 ms packets, encrypted, RTCP included) stays
    // under 24 kbit/s on the wire: the 20 kbit/s goal with headroom for the speech file's loudest stretch.
    expect(r.wire).toBeLessThan(24);

    expect(b.videoInbound, 'no video stream reaches Ava').toBe(0);
    expect(b.videoFramesDecoded).toBe(0);
    expect(await sentVideoFrames(ava), 'Ava sends no video').toBe(0);
    const media = await held('Ava');
    expect(media.videoMode).toBe('off');
    expect(media.consumers.filter((c) => c.kind === 'video'), 'no video consumer for Ava at the SFU').toEqual([]);
    expect(media.producers.map((p) => p.kind)).toEqual(['audio']);
    // mediasoup's speaker detection works on encrypted audio (the audio-level extension stays in clear).
    const faysMic = (await held('Fay')).producers.find((p) => p.kind === 'audio')!.id;
    expect(dominant).toContain(faysMic);
  });

  it('turning audio only off brings video back; on again takes it away at the server too', async () => {
    const audioOnly = ava.getByRole('button', { name: 'Audio only' });
    await expect.poll(() => audioOnly.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => ava.getByRole('button', { name: 'Stop camera' }).isDisabled()).toBe(true);

    await audioOnly.click();
    await eventually(async () => ((await remote(ava, 'Ben', 'video'))?.framesDecoded ?? 0) > 10, 20_000, 'Ava seeing Ben');
    const diff = await matchesFakeCamera(ava, 'Ben');
    expect(diff!.mad, 'Ben’s video at Ava matches the fake camera').toBeLessThan(25);
    expect((await held('Ava')).consumers.filter((c) => c.kind === 'video')).toHaveLength(2);

    await audioOnly.click();
    await eventually(async () => (await remote(ava, 'Ben', 'video')) === undefined, 5000, 'video gone from Ava’s tiles');
    expect((await held('Ava')).consumers.filter((c) => c.kind === 'video')).toEqual([]);
    const before = await downlink(ava);
    await sleep(1500);
    const after = await downlink(ava);
    const grew = Object.keys(after.videoBytesById).filter((id) => after.videoBytesById[id]! > (before.videoBytesById[id] ?? 0));
    expect(grew, 'no video bytes arrive any more').toEqual([]);

    await audioOnly.click();
    await eventually(async () => ((await remote(ava, 'Fay', 'video'))?.framesDecoded ?? 0) > 10, 20_000, 'Ava seeing Fay again');
  });
});

describe('simulcast', () => {
  it('the camera arrives at the SFU as layers, each with its own stream', async () => {
    const camera = (await held('Fay')).producers.find((p) => p.kind === 'video')!;
    // eslint-disable-next-line no-console
    console.log('Fay’s camera at the SFU:', JSON.stringify({ declared: camera.encodings, streams: camera.streams }));
    // Two layers (320x240 and 640x480), each with three temporal layers: Chromium sends no more of a 640x480 camera.
    expect(camera.encodings.map((e) => e.scalabilityMode)).toEqual(['L1T3', 'L1T3']);
    expect(camera.streams.filter((s) => s.bitrate > 0)).toHaveLength(2);
  });

  it('a member in low data decodes the small layer while another on the same link decodes the top one', async () => {
    const low = ava.getByRole('button', { name: 'Low data video' });
    await low.click();
    await expect.poll(() => low.getAttribute('aria-pressed')).toBe('true');
    await eventually(async () => {
      const [a, b] = await Promise.all([remote(ava, 'Fay', 'video'), remote(ben, 'Fay', 'video')]);
      return !!a && !!b && a.frameWidth > 0 && a.frameWidth <= 320 && b.frameWidth === 640;
    }, 30_000, 'Ava on the small layer, Ben on the top one');
    const [a, b] = [await remote(ava, 'Fay', 'video'), await remote(ben, 'Fay', 'video')];
    // eslint-disable-next-line no-console
    console.log(`Fay at Ava (low data): ${a!.frameWidth}x${a!.frameHeight}; at Ben: ${b!.frameWidth}x${b!.frameHeight}`);
    const frames = a!.framesDecoded;
    await sleep(1000);
    expect((await remote(ava, 'Fay', 'video'))!.framesDecoded, 'Ava keeps decoding').toBeGreaterThan(frames);
    for (const page of [ava, ben]) {
      const d = await matchesFakeCamera(page, 'Fay');
      expect(d!.contrast, 'a picture, not a flat colour').toBeGreaterThan(5);
      expect(d!.mad, 'Fay’s frame matches the fake camera').toBeLessThan(25);
    }
    const consumer = (await held('Ava')).consumers.find((c) => c.kind === 'video' && c.peerId === idOf('Fay'))!;
    expect(consumer.preferredLayers?.spatialLayer).toBe(0);
  });

  it('every layer is encrypted frame by frame, and no two frames of the sender share a counter (one IV each)', async () => {
    const camera = (await held('Fay')).producers.find((p) => p.kind === 'video')!.id;
    const router = routers.at(-1)!;
    const [small, large] = await Promise.all([0, 1].map((spatialLayer) => tapVp8(router, camera, 2500, { spatialLayer, temporalLayer: 2 })));
    expect(small!.length, 'frames of the small layer').toBeGreaterThan(10);
    expect(large!.length, 'frames of the large layer').toBeGreaterThan(10);
    // The taps carried the two layers: key-frame dimensions stay in the clear prefix (VP8, 10 bytes).
    const widths = (frames: { keyFrame: boolean; data: Buffer }[]) => new Set(frames.filter((f) => f.keyFrame).map((f) => f.data.readUInt16LE(6) & 0x3fff));
    expect([...widths(small!)]).toEqual([320]);
    expect([...widths(large!)]).toEqual([640]);
    const counters = [...small!, ...large!].map((f) => {
      const h = frameHeader(new Uint8Array(f.data), clearBytes('video', f.keyFrame));
      expect(h, 'an encrypted frame header').toBeDefined();
      return `${h!.kid}:${h!.ctr}`;
    });
    expect(new Set(counters).size, 'no (key, counter) pair twice across the layers').toBe(counters.length);
  });

  it('a facilitator switches a member to low data: told on screen, the member then receives and sends the small layer', async () => {
    await fay.getByRole('button', { name: 'Low data video for Ben' }).click();
    await ben.locator('.notice', { hasText: 'The facilitator switched your video to low data' }).waitFor();
    await expect.poll(() => ben.getByRole('button', { name: 'Low data video' }).getAttribute('aria-pressed')).toBe('true');
    await eventually(async () => ((await remote(ben, 'Fay', 'video'))?.frameWidth ?? 0) === 320, 15_000, 'Ben on Fay’s small layer');
    // Ben's own camera stops its large layer at the encoder: the SFU receives only the small one, and Fay sees it.
    await eventually(async () => {
      const streams = (await held('Ben')).producers.find((p) => p.kind === 'video')!.streams;
      return streams.filter((x) => x.bitrate > 0).length === 1;
    }, 15_000, 'only Ben’s small layer arriving at the SFU');
    await eventually(async () => ((await remote(fay, 'Ben', 'video'))?.frameWidth ?? 0) === 320, 15_000, 'Fay receiving Ben’s small layer');
  });
});
