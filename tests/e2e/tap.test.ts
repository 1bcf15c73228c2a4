import { fileURLToPath } from 'node:url';
import type { types } from 'mediasoup';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearBytes, frameHeader, openFrame } from '@hearth/shared/crypto/frame';
import { deriveSenderKey } from '@hearth/shared/crypto/keySchedule';
import { arrive, inbound, launchChromium, openPage } from '../support/browser.js';
import { sessionLinks } from '../support/links.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { tapVp8, type TappedFrame } from '../support/vp8tap.js';

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
let server: TestServer;
let browser: Browser;
const routers: types.Router[] = [];
const producers: types.Producer[] = [];

/**
 * In a page: decodes VP8 frames with WebCodecs and compares each decoded picture (32x24 grey) with the page's own
 * fake camera. Also encodes the fake camera itself (no encryption) as a control for the harness.
 */
const HARNESS = `
window.harness = (() => {
  const grey = (src, w, h) => {
    const c = document.createElement('canvas'); c.width = 32; c.height = 24;
    const ctx = c.getContext('2d', { willReadFrequently: true }); ctx.drawImage(src, 0, 0, 32, 24);
    const d = ctx.getImageData(0, 0, 32, 24).data; const out = new Float64Array(768);
    for (let i = 0; i < 768; i++) out[i] = 0.299 * d[4*i] + 0.587 * d[4*i+1] + 0.114 * d[4*i+2];
    return out;
  };
  let video;
  async function camera() {
    if (video) return video;
    video = document.createElement('video'); video.muted = true; video.playsInline = true;
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    await video.play(); while (video.videoWidth === 0) await new Promise((r) => setTimeout(r, 50));
    return video;
  }
  // The fake camera animates: keep 3 s of reference pictures and compare with the nearest one.
  let refs;
  async function references() {
    if (refs) return refs;
    const v = await camera(); refs = [];
    for (let i = 0; i < 60; i++) { refs.push(grey(v)); await new Promise((r) => setTimeout(r, 50)); }
    return refs;
  }
  const mad = (a, b) => { let s = 0; for (let i = 0; i < 768; i++) s += Math.abs(a[i] - b[i]); return s / 768; };
  async function decode(frames) {
    const all = await references();
    const mads = []; let errors = 0;
    const decoder = new VideoDecoder({
      output: (f) => { const g = grey(f); f.close(); mads.push(Math.min(...all.map((r) => mad(g, r)))); },
      error: () => { errors++; },
    });
    decoder.configure({ codec: 'vp8' });
    let started = false;
    for (const [i, f] of frames.entries()) {
      if (!started && !f.keyFrame) continue;
      started = true;
      if (decoder.state === 'closed') break;
      try {
        decoder.decode(new EncodedVideoChunk({ type: f.keyFrame ? 'key' : 'delta', timestamp: i * 33333, data: Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0)) }));
      } catch { errors++; }
    }
    try { await decoder.flush(); } catch { errors++; }
    return { mads, errors };
  }
  async function encodeCamera(n) {
    const v = await camera(); const chunks = [];
    const c = document.createElement('canvas'); c.width = 640; c.height = 480; const ctx = c.getContext('2d');
    const enc = new VideoEncoder({ output: (chunk) => { const b = new Uint8Array(chunk.byteLength); chunk.copyTo(b);
      chunks.push({ keyFrame: chunk.type === 'key', b64: btoa(String.fromCharCode(...b)) }); }, error: () => {} });
    enc.configure({ codec: 'vp8', width: 640, height: 480, bitrate: 600000, framerate: 15 });
    for (let i = 0; i < n; i++) {
      ctx.drawImage(v, 0, 0, 640, 480);
      const frame = new VideoFrame(c, { timestamp: i * 66666 }); enc.encode(frame, { keyFrame: i === 0 }); frame.close();
      await new Promise((r) => setTimeout(r, 66));
    }
    await enc.flush();
    return chunks;
  }
  return { decode, encodeCamera };
})();`;

type Harness = { decode(f: unknown[]): Promise<{ mads: number[]; errors: number }>; encodeCamera(n: number): Promise<unknown[]> };

beforeAll(async () => {
  server = await startServer({ clientDir: CLIENT_DIR });
  for (const w of server.app.workers.workers()) {
    w.observer.on('newrouter', (r) => {
      routers.push(r);
      r.observer.on('newtransport', (t) => t.observer.on('newproducer', (p) => producers.push(p)));
    });
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('what the SFU forwards', () => {
  it('is ciphertext: the tapped frames decode to nothing, while the same frames decrypted with the group key all decode', async () => {
    const links = await sessionLinks(server);
    const fay = await arrive(browser, links.facilitator, 'Fay');
    await eventually(() => producers.some((p) => p.kind === 'video'), 15_000, 'Fay sending video');
    const video = producers.find((p) => p.kind === 'video')!;
    const frames: TappedFrame[] = await tapVp8(routers[0]!, video.id, 3000);
    expect(frames.length).toBeGreaterThan(15);

    // Every forwarded frame carries the E2EE header after the VP8 bytes left in clear, all under one key id.
    const headers = frames.map((f) => frameHeader(f.data, clearBytes('video', f.keyFrame)));
    expect(headers.filter(Boolean).length / frames.length).toBeGreaterThan(0.95);
    expect(new Set(headers.filter(Boolean).map((h) => h!.kid)).size).toBe(1);
    expect(frames.some((f) => f.keyFrame)).toBe(true);

    const page: Page = await openPage(browser, `${server.url}/`);
    await page.evaluate(HARNESS);
    const harness = (p: Page) => ({
      decode: (f: unknown[]) => p.evaluate((x) => (window as unknown as { harness: Harness }).harness.decode(x), f),
      encodeCamera: (n: number) => p.evaluate((x) => (window as unknown as { harness: Harness }).harness.encodeCamera(x), n),
    });
    const h = harness(page);

    // Control 1: unencrypted VP8 of the fake camera, encoded in the page, decodes and matches it.
    const control = await h.decode(await h.encodeCamera(20));
    expect(control.mads.length).toBeGreaterThan(5);
    expect(control.mads.sort((a, b) => a - b)[Math.floor(control.mads.length / 2)]!).toBeLessThan(25);

    // Control 2: the very same tapped frames, decrypted here with the group key read from Fay's page, decode.
    const keys = await fay.evaluate(() => (window as unknown as { __groupKeys: { epoch: number; groupKey: number[] }[] }).__groupKeys);
    const kid = headers.find(Boolean)!.kid;
    const current = keys.filter((k) => (k.epoch & 0xff) === kid).at(-1)!;
    const fayId = server.app.sessions.get(links.session.sessionId)!.roster().members.find((m) => m.displayName === 'Fay')!.id;
    const senderKey = await deriveSenderKey(Uint8Array.from(current.groupKey), current.epoch, fayId);
    const decrypted = [];
    for (const f of frames) {
      const plain = await openFrame(senderKey, f.data, clearBytes('video', f.keyFrame));
      if (plain) decrypted.push({ keyFrame: f.keyFrame, b64: Buffer.from(plain).toString('base64') });
    }
    expect(decrypted.length).toBe(frames.length);
    const withKey = await h.decode(decrypted);
    expect(withKey.errors).toBe(0);
    expect(withKey.mads.length).toBeGreaterThan(decrypted.length * 0.8);

    // The tapped frames as the server has them: nothing decodes into a picture like the camera's.
    const tapped = await h.decode(frames.map((f) => ({ keyFrame: f.keyFrame, b64: f.data.toString('base64') })));
    const closestWithKey = Math.max(...withKey.mads);
    expect(tapped.mads.filter((m) => m <= closestWithKey + 10)).toEqual([]);

    // And the members themselves still decode it fine (a member page in the same session).
    const ben = await arrive(browser, links.member, 'Ben');
    await fay.getByRole('button', { name: 'Admit Ben' }).click();
    await eventually(async () => ((await inbound(ben, 'Fay', 'video'))?.framesDecoded ?? 0) > 10, 15_000, 'Ben decoding Fay');
  });
});
