import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isReleaseFile, readReleaseManifest, releaseListing } from './index.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('the release listing and digest', () => {
  it('is byte for byte what sha256sum prints for the files sorted by path, so shell tools recompute the digest', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-listing-'));
    try {
      const files = { 'index.html': '<p>x</p>', 'assets/b-1.js': 'b', 'assets/B-2.js': 'B', 'assets/a.js.br': 'a' };
      fs.mkdirSync(path.join(dir, 'assets'));
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
      // The order given does not matter: the listing sorts.
      const listed = Object.entries(files).map(([p, text]) => ({ path: p, sha256: sha256(text) })).reverse();
      const sorted = Object.keys(files).sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1));
      const shell = execFileSync('sha256sum', sorted, { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
      expect(releaseListing(listed)).toBe(shell);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists every served file but release.json itself and anything under a dot folder', () => {
    expect(['index.html', 'assets/x-1.js.gz', 'blank.html'].every(isReleaseFile)).toBe(true);
    expect(['release.json', '.vite/manifest.json', 'assets/.hidden'].some(isReleaseFile)).toBe(false);
  });

  it('reads a manifest only when every field is what it should be', () => {
    const hex = 'a'.repeat(64);
    const good = { format: 1, digest: hex, files: [{ path: 'assets/x.js', sha256: hex }] };
    expect(readReleaseManifest(good)).toEqual(good);
    for (const bad of [
      { ...good, format: 2 },
      { ...good, digest: 'A'.repeat(64) },
      { ...good, files: [{ path: '../etc/passwd', sha256: hex }] },
      { ...good, files: [{ path: '/abs.js', sha256: hex }] },
      { ...good, files: [{ path: 'assets/x.js', sha256: 'zz' }] },
      { ...good, files: 'nope' },
      null,
    ]) {
      expect(readReleaseManifest(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});
