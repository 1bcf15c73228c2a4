import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { RELEASE_MANIFEST, readReleaseManifest, releaseListing } from '@hearth/shared/release';

// The client members run is the client that was released (issue 12): the same source builds to the same bytes,
// wherever the checkout sits, whenever and under whatever locale and time zone it is built. Two copies of the
// sources (client and shared, at different depths under different temporary folders, each with a node_modules of
// its own that links to the installed packages) are built one after the other, and every file compared. About
// 8 s on two cores.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A checkout-like copy of what the client build reads, at `depth` folders below a new temporary folder. */
function copySources(depth: string): string {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-repro-'));
  made.push(top);
  const repo = path.join(top, depth);
  const skip = new Set([path.join(root, 'client', 'dist'), path.join(root, 'shared', 'node_modules')]);
  for (const part of ['client', 'shared']) {
    fs.cpSync(path.join(root, part), path.join(repo, part), { recursive: true, filter: (src) => !skip.has(src) });
  }
  fs.copyFileSync(path.join(root, 'tsconfig.base.json'), path.join(repo, 'tsconfig.base.json'));
  // node_modules: the installed packages by link, the workspaces as npm makes them (links into this copy).
  const modules = path.join(repo, 'node_modules');
  fs.mkdirSync(path.join(modules, '@hearth'), { recursive: true });
  for (const name of fs.readdirSync(path.join(root, 'node_modules'))) {
    if (name !== '@hearth' && !name.startsWith('.')) fs.symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name));
  }
  for (const ws of ['client', 'shared']) fs.symlinkSync(`../../${ws}`, path.join(modules, '@hearth', ws));
  return repo;
}

async function build(repo: string, env: Record<string, string>): Promise<void> {
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  await run(process.execPath, [vite, 'build', '--logLevel', 'error'], {
    cwd: path.join(repo, 'client'), env: { ...process.env, ...env }, timeout: 90_000,
  });
}

/** path -> SHA-256 of every file under dir (dot folders too: the Vite manifest must not vary either). */
function hashes(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) for (const [k, v] of hashes(full, rel)) out.set(k, v);
    else out.set(rel, createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
  }
  return out;
}

describe('the client build is reproducible', () => {
  it('two copies at different paths, built at different times, locales and time zones, give the same bytes', async () => {
    const a = copySources('a');
    const b = copySources(path.join('somewhere', 'much', 'deeper', 'hearth'));
    await build(a, { TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' });
    await build(b, { TZ: 'Pacific/Kiritimati', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8', SOURCE_DATE_EPOCH: '1' });
    const first = hashes(path.join(a, 'client', 'dist'));
    const second = hashes(path.join(b, 'client', 'dist'));
    expect(first.size).toBeGreaterThan(20);
    expect([...second.keys()].sort()).toEqual([...first.keys()].sort());
    const differing = [...first].filter(([file, hash]) => second.get(file) !== hash).map(([file]) => file);
    expect(differing).toEqual([]);

    // The manifest lists every served file with the hash it has, and its digest is the digest of that listing.
    const manifest = readReleaseManifest(JSON.parse(fs.readFileSync(path.join(a, 'client', 'dist', RELEASE_MANIFEST), 'utf8')));
    expect(manifest).toBeDefined();
    const served = [...first].filter(([file]) => file !== RELEASE_MANIFEST && !file.startsWith('.'));
    expect(manifest!.files.map((f) => [f.path, f.sha256])).toEqual(served.sort(([x], [y]) => (x < y ? -1 : 1)));
    expect(manifest!.digest).toBe(createHash('sha256').update(releaseListing(manifest!.files)).digest('hex'));
    // Nothing of either checkout's location is in any file.
    for (const [file] of first) {
      const text = fs.readFileSync(path.join(b, 'client', 'dist', file)).toString('latin1');
      expect(text.includes('somewhere/much'), file).toBe(false);
      expect(text.includes(os.tmpdir() + path.sep), file).toBe(false);
    }
  }, 180_000);
});
