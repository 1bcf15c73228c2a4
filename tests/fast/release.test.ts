import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { brotliCompressSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readReleaseManifest, releaseListing } from '@hearth/shared/release';
import { releaseOf } from '../../server/src/app/release.js';
import { CLIENT_DIST, measureBundle } from '../support/bundle.js';
import { startFastServer, type FastServer } from '../support/server.js';

// The server names the client release it serves (issue 12, item 5): from the files themselves, in its log and to
// the page (release.json); a changed file, or a compressed copy that is not its plain file, is warned of at start.
// Reads the built client (the test command builds first).

const started: FastServer[] = [];
const temps: string[] = [];
afterAll(async () => {
  for (const s of started) await s.close();
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

async function serve(clientDir: string): Promise<{ server: FastServer; log: Record<string, unknown>[] }> {
  const log: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) log.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const server = await startFastServer({ clientDir, logLevel: 'info' }, { logStream });
  started.push(server);
  return { server, log };
}

/** A copy of the build to change. */
function copyOfDist(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-dist-'));
  temps.push(dir);
  fs.cpSync(CLIENT_DIST, dir, { recursive: true });
  return dir;
}

const manifestOf = (dir: string) => readReleaseManifest(JSON.parse(fs.readFileSync(path.join(dir, 'release.json'), 'utf8')))!;
const entryScript = () => measureBundle(CLIENT_DIST).firstScreenFiles[0]!;
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const errors = (log: Record<string, unknown>[]) => log.filter((l) => Number(l.level) >= 50);

describe('the client release the server serves', () => {
  it('logs the digest it computed, which is the build\'s, and serves release.json to the page', async () => {
    const { server, log } = await serve(CLIENT_DIST);
    const manifest = manifestOf(CLIENT_DIST);
    const check = releaseOf(server.app.fastify)!;
    expect(check.problems).toEqual([]);
    expect(check.digest).toBe(manifest.digest);
    expect(check.files).toBe(manifest.files.length);
    expect(log.find((l) => l.msg === 'client release')).toMatchObject({ releaseDigest: manifest.digest, files: manifest.files.length });
    expect(errors(log)).toEqual([]);
    const res = await fetch(`${server.url}/release.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(readReleaseManifest(await res.json())?.digest).toBe(manifest.digest);
  });

  it('warns at start when one byte of the main script is changed, and its digest is not the release\'s', async () => {
    const dir = copyOfDist();
    const file = path.join(dir, entryScript());
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 1;
    fs.writeFileSync(file, bytes);
    const { server, log } = await serve(dir);
    const check = releaseOf(server.app.fastify)!;
    expect(check.digest).not.toBe(manifestOf(dir).digest);
    expect(check.problems).toEqual(expect.arrayContaining([`${entryScript()} differs from release.json`]));
    // Its .br and .gz copies are still the released bytes: they no longer decompress to the plain file.
    expect(check.problems).toEqual(expect.arrayContaining([`${entryScript()}.br does not decompress to ${entryScript()}`]));
    expect(errors(log)).toHaveLength(1);
    expect(errors(log)[0]!.problems).toEqual(expect.arrayContaining([`${entryScript()} differs from release.json`]));
  });

  it('warns when a brotli copy (what a browser is sent) is not its plain file, even with a release.json to match', async () => {
    const dir = copyOfDist();
    const file = path.join(dir, entryScript());
    const other = Buffer.concat([fs.readFileSync(file), Buffer.from('\n;globalThis.tampered=1;\n')]);
    const br = brotliCompressSync(other);
    fs.writeFileSync(`${file}.br`, br);
    // release.json rewritten to list the changed copy: the manifest agrees with the files, the copy does not.
    const manifest = manifestOf(dir);
    const files = manifest.files.map((f) => (f.path === `${entryScript()}.br` ? { ...f, sha256: sha256(br) } : f));
    fs.writeFileSync(path.join(dir, 'release.json'), JSON.stringify({ format: 1, digest: sha256(releaseListing(files)), files }));
    const { server } = await serve(dir);
    expect(releaseOf(server.app.fastify)!.problems).toEqual([`${entryScript()}.br does not decompress to ${entryScript()}`]);
  });

  it('warns when release.json is missing', async () => {
    const dir = copyOfDist();
    fs.rmSync(path.join(dir, 'release.json'));
    const { server, log } = await serve(dir);
    expect(releaseOf(server.app.fastify)!.problems).toEqual(['release.json is missing or unreadable']);
    expect(errors(log)).toHaveLength(1);
  });
});
