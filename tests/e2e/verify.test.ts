import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReleaseManifest } from '@hearth/shared/release';
import { releaseOf } from '../../server/src/app/release.js';
import { seriousViolations } from '../support/axe.js';
import { fillPrejoin, launchChromium, openPage } from '../support/browser.js';
import { CLIENT_DIST, measureBundle } from '../support/bundle.js';
import { sessionLinks } from '../support/links.js';
import { startFastServer, startServer, type TestServer } from '../support/server.js';

// "Verify this page" in Debian's Chromium (issue 12, item 5): on the home page, the pre-join screen and in the
// room, every file the page loaded is hashed in the browser and matches the release the server computed; a copy
// of the build with one byte changed in the main script (and its .br/.gz copies made from it, as a tamperer
// would) is flagged by the page, file by file, and warned of by the server at start.

let browser: Browser;
const servers: TestServer[] = [];
const temps: string[] = [];
const entryScript = () => measureBundle(CLIENT_DIST).firstScreenFiles[0]!;

beforeAll(async () => {
  if (!fs.existsSync(path.join(CLIENT_DIST, 'release.json'))) throw new Error('client not built: run the build first');
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  for (const s of servers) await s.close();
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

interface Verdict {
  state: string;
  digest: string | null;
  files: { url: string; state: string }[];
}

/** Opens the view from the link at the foot of the page, waits for its verdict, reads it, and closes it. */
async function verify(page: Page, whileOpen?: () => Promise<void>): Promise<Verdict> {
  await page.getByRole('button', { name: 'Verify this page' }).click();
  const dialog = page.locator('dialog.verify');
  await dialog.and(page.locator(':not([data-verify="checking"])')).waitFor({ timeout: 15_000 });
  const verdict = await dialog.evaluate((d) => ({
    state: d.getAttribute('data-verify') ?? '',
    digest: d.getAttribute('data-digest'),
    files: [...d.querySelectorAll('li[data-url]')].map((li) => ({ url: li.getAttribute('data-url')!, state: li.getAttribute('data-state')! })),
  }));
  await whileOpen?.();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
  return verdict;
}

describe('verify this page', () => {
  it('on the home page, the pre-join screen and in the room: every loaded file matches the digest the server computed', async () => {
    const server = await startServer({ clientDir: CLIENT_DIST });
    servers.push(server);
    const digest = releaseOf(server.app.fastify)!.digest;
    expect(digest).toBe(readReleaseManifest(JSON.parse(fs.readFileSync(path.join(CLIENT_DIST, 'release.json'), 'utf8')))!.digest);

    const home = await openPage(browser, `${server.url}/`);
    const atHome = await verify(home, async () => {
      // The open dialog passes axe-core too (serious, critical).
      expect(await seriousViolations(home)).toEqual([]);
    });
    // Closed, focus is back on the link that opened it; Escape closes it as well.
    expect(await home.evaluate(() => document.activeElement?.textContent)).toBe('Verify this page');
    await home.keyboard.press('Enter');
    await home.locator('dialog.verify[data-verify="match"]').waitFor();
    await home.keyboard.press('Escape');
    await home.locator('dialog.verify').waitFor({ state: 'detached' });
    expect(atHome).toMatchObject({ state: 'match', digest });
    expect(atHome.files.map((f) => f.url)).toEqual(expect.arrayContaining(['/', `/${entryScript()}`]));
    expect(atHome.files.some((f) => f.url.endsWith('.css'))).toBe(true);
    expect(atHome.files.every((f) => f.state === 'match')).toBe(true);

    const links = await sessionLinks(server);
    const page = await openPage(browser, links.facilitator);
    await fillPrejoin(page, 'Ann');
    const atPrejoin = await verify(page);
    expect(atPrejoin).toMatchObject({ state: 'match', digest });
    expect(atPrejoin.files.find((f) => f.url.startsWith('/s/'))?.state).toBe('match');

    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByRole('button', { name: 'Leave' }).waitFor();
    const inRoom = await verify(page);
    expect(inRoom).toMatchObject({ state: 'match', digest });
    // The room's own code is checked too: the lazily loaded room chunk and the frame worker that encrypts media.
    expect(inRoom.files.map((f) => f.url)).toEqual(expect.arrayContaining([expect.stringMatching(/roomChunk-.*\.js$/), expect.stringMatching(/frameWorker-.*\.js$/)]));
    expect(inRoom.files.every((f) => f.state === 'match')).toBe(true);
  });

  it('a build with one byte changed in the main script is flagged by the page and warned of by the server', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-tampered-'));
    temps.push(dir);
    fs.cpSync(CLIENT_DIST, dir, { recursive: true });
    const file = path.join(dir, entryScript());
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('your group to meet');
    const tampered = Buffer.from(text.replace('your group to meet', 'your group to meat'));
    fs.writeFileSync(file, tampered);
    fs.writeFileSync(`${file}.br`, brotliCompressSync(tampered));
    fs.writeFileSync(`${file}.gz`, gzipSync(tampered, { level: 9 }));

    const log: { level: number; msg: string; problems?: string[] }[] = [];
    const logStream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) log.push(JSON.parse(line) as (typeof log)[number]);
        done();
      },
    });
    const server = await startFastServer({ clientDir: dir, logLevel: 'info' }, { logStream });
    servers.push(server);
    const warning = log.find((l) => l.level >= 50);
    expect(warning?.problems).toEqual(expect.arrayContaining([`${entryScript()} differs from release.json`]));

    const page = await openPage(browser, `${server.url}/`);
    await page.getByText('your group to meat').waitFor();
    const verdict = await verify(page);
    expect(verdict.state).toBe('mismatch');
    // The page shows the release's published digest; the server computed another from what it serves.
    expect(verdict.digest).not.toBe(releaseOf(server.app.fastify)!.digest);
    expect(verdict.files.find((f) => f.url === `/${entryScript()}`)?.state).toBe('differs');
    expect(verdict.files.filter((f) => f.state !== 'match').map((f) => f.url)).toEqual([`/${entryScript()}`]);
  });
});
