import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST, FIRST_SCREEN_BUDGET, kb, measureBundle } from '../support/bundle.js';
import { startFastServer, type FastServer } from '../support/server.js';

// The fast join path (issue 10): the first screen's scripts stay small, everything is precompressed at build
// time, and the server sends the variant the browser accepts with caching that costs a warm visit no round trip
// for the hashed assets. Reads the built client (the test command builds first).

const built = fs.existsSync(path.join(CLIENT_DIST, '.vite', 'manifest.json'));
const measured = built ? measureBundle(CLIENT_DIST) : undefined;
const assetsDir = path.join(CLIENT_DIST, 'assets');
const assets = built ? fs.readdirSync(assetsDir) : [];
const entryScript = measured?.firstScreenFiles[0] ?? '';
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET with exactly these headers, and the body as it came over the wire (no decompression). */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('the client bundle', () => {
  it(`first-screen JavaScript is at most ${kb(FIRST_SCREEN_BUDGET)} gzipped (now ${kb(measured?.firstScreenGzip ?? NaN)}; all JavaScript ${kb(measured?.totalGzip ?? NaN)})`, () => {
    expect(measured, 'client not built: run the build first').toBeDefined();
    expect(measured!.firstScreenFiles.length).toBeGreaterThan(0);
    expect(measured!.firstScreenGzip).toBeLessThanOrEqual(FIRST_SCREEN_BUDGET);
    // The split is real: the heavy parts exist, and are outside the first screen.
    expect(measured!.totalGzip).toBeGreaterThan(2 * measured!.firstScreenGzip);
  });

  it('the first screen carries neither libsodium, TypeBox, mediasoup-client nor socket.io', () => {
    const firstScreen = measured!.firstScreenFiles.map((f) => fs.readFileSync(path.join(CLIENT_DIST, f), 'utf8')).join('\n');
    for (const marker of ['libsodium', 'TypeBox', 'mediasoup-client', 'socket.io']) {
      expect(firstScreen.includes(marker), marker).toBe(false);
    }
  });

  it('has a brotli and a gzip copy beside every script, style sheet and page, each the same bytes', () => {
    const files = [path.join(CLIENT_DIST, 'index.html'), ...assets.filter((f) => /\.(js|css|html)$/.test(f)).map((f) => path.join(assetsDir, f))];
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const plain = fs.readFileSync(file);
      expect(brotliDecompressSync(fs.readFileSync(`${file}.br`)).equals(plain), `${file}.br`).toBe(true);
      expect(gunzipSync(fs.readFileSync(`${file}.gz`)).equals(plain), `${file}.gz`).toBe(true);
    }
  });
});

describe('the server sends the client', () => {
  let server: FastServer;
  beforeAll(async () => {
    server = await startFastServer({ clientDir: CLIENT_DIST });
  });
  afterAll(() => server?.close());

  it('sends the brotli copy to a browser that accepts br, the gzip one otherwise, the plain file to one that accepts neither', async () => {
    const plain = fs.readFileSync(path.join(CLIENT_DIST, entryScript));
    const br = await get(`${server.url}/${entryScript}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(brotliDecompressSync(br.body).equals(plain)).toBe(true);
    const gz = await get(`${server.url}/${entryScript}`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain)).toBe(true);
    const none = await get(`${server.url}/${entryScript}`, { 'accept-encoding': 'identity' });
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.body.equals(plain)).toBe(true);
    for (const answer of [br, gz, none]) expect(answer.headers.vary).toMatch(/accept-encoding/i);
  });

  it('lets a browser keep hashed assets for a year, and makes it revalidate the page', async () => {
    const css = assets.find((f) => f.endsWith('.css'))!;
    for (const file of [entryScript, `assets/${css}`]) {
      const answer = await get(`${server.url}/${file}`, { 'accept-encoding': 'br' });
      expect(answer.status, file).toBe(200);
      expect(answer.headers['cache-control'], file).toBe(IMMUTABLE);
    }
    for (const page of ['/', '/host', '/s/AAAAAAAAAAAAAAAAAAAAAA']) {
      const answer = await get(`${server.url}${page}`, { 'accept-encoding': 'br' });
      expect(answer.status, page).toBe(200);
      expect(answer.headers['content-encoding'], page).toBe('br');
      expect(answer.headers['cache-control'], page).toBe('no-cache');
      expect(answer.headers.vary, page).toMatch(/accept-encoding/i);
      expect(answer.headers.etag, page).toBeDefined();
      // The security headers stay on every page.
      expect(answer.headers['content-security-policy'], page).toContain("default-src 'self'");
      expect(answer.headers['x-content-type-options'], page).toBe('nosniff');
      expect(brotliDecompressSync(answer.body).toString()).toContain('<div id="app">');
    }
  });

  it('answers a revalidation of the page with 304, and does not serve the build manifest', async () => {
    const first = await get(`${server.url}/`, { 'accept-encoding': 'br' });
    const again = await get(`${server.url}/`, { 'accept-encoding': 'br', 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect((await get(`${server.url}/.vite/manifest.json`)).status).toBe(404);
  });
});
