import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST, measureBundle } from '../support/bundle.js';
import { startFastServer, type FastServer } from '../support/server.js';

// `hearth verify`, run as a process against a server on loopback (docs/verify.md): a practice compares what its
// server sends with a build made from the released source (here: the build in client/dist and its release.json).

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../server/src/cli.ts', import.meta.url));
const MANIFEST = path.join(CLIENT_DIST, 'release.json');
const servers: FastServer[] = [];
const temps: string[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

async function verify(url: string): Promise<{ code: number; stdout: string }> {
  const args = ['--import', 'tsx', CLI, 'verify', '--url', url, '--manifest', MANIFEST];
  return run(process.execPath, args, { timeout: 20_000 }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
}

async function serveCopy(change: (dir: string, entry: string) => void): Promise<FastServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-served-'));
  temps.push(dir);
  fs.cpSync(CLIENT_DIST, dir, { recursive: true });
  change(dir, measureBundle(CLIENT_DIST).firstScreenFiles[0]!);
  const server = await startFastServer({ clientDir: dir });
  servers.push(server);
  return server;
}

const flipLastByte = (bytes: Buffer): Buffer => {
  const out = Buffer.from(bytes);
  out[out.length - 2] = out[out.length - 2]! ^ 1;
  return out;
};

describe('hearth verify', () => {
  it('says every file is served as built when the server serves this build', async () => {
    const server = await serveCopy(() => undefined);
    const { code, stdout } = await verify(server.url);
    expect(stdout).toMatch(/^All \d+ files of release [0-9a-f]{64} are served by /m);
    expect(code).toBe(0);
  }, 30_000);

  it('names the main script (and its copies) when one byte of it was changed on the server', async () => {
    const server = await serveCopy((dir, entry) => {
      const tampered = flipLastByte(fs.readFileSync(path.join(dir, entry)));
      fs.writeFileSync(path.join(dir, entry), tampered);
      fs.writeFileSync(path.join(dir, `${entry}.br`), brotliCompressSync(tampered));
      fs.writeFileSync(path.join(dir, `${entry}.gz`), gzipSync(tampered));
    });
    const entry = measureBundle(CLIENT_DIST).firstScreenFiles[0]!;
    const { code, stdout } = await verify(server.url);
    expect(code).toBe(1);
    expect(stdout.split('\n').filter((l) => l.includes(': '))).toEqual([
      `${entry}: differs from the local build`, `${entry}.br: differs from the local build`, `${entry}.gz: differs from the local build`,
    ]);
    expect(stdout).toContain('does NOT serve release');
  }, 30_000);

  it('catches a brotli copy that is not its plain file: the script as a browser gets it differs', async () => {
    const server = await serveCopy((dir, entry) => {
      fs.writeFileSync(path.join(dir, `${entry}.br`), brotliCompressSync(flipLastByte(fs.readFileSync(path.join(dir, entry)))));
    });
    const entry = measureBundle(CLIENT_DIST).firstScreenFiles[0]!;
    const { code, stdout } = await verify(server.url);
    expect(code).toBe(1);
    expect(stdout).toContain(`${entry}: differs from the local build`);
    expect(stdout).toContain(`${entry}.br: differs from the local build`);
  }, 30_000);
});
