import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';
import { compression } from 'vite-plugin-compression2';
import { RELEASE_MANIFEST, isReleaseFile, releaseListing, releaseManifest, type ReleaseFile } from '@hearth/shared/release';

/**
 * The build's part in "the client members run is the client that was released" (docs/verify.md):
 *
 * - sourceMapPaths: source maps name their sources relative to the repository's layout, never to where the
 *   checkout or node_modules happens to sit on the building machine (a symlinked or relocated node_modules would
 *   otherwise put '../../../../home/someone/…' into the maps, and the same source would give other bytes);
 * - releaseManifestPlugin: after every file is written (and compressed), dist/release.json lists each served
 *   file with its SHA-256, and the release digest over them (@hearth/shared/release).
 */

const toPosix = (p: string): string => p.split(path.sep).join('/');

/** A rolldown sourcemapPathTransform that keeps source paths the same wherever the repository is checked out. */
export function sourceMapPaths(repoRoot: string): (relativeSourcePath: string, sourcemapPath: string) => string {
  const root = fs.realpathSync(repoRoot);
  return (relativeSourcePath, sourcemapPath) => {
    const mapDir = path.dirname(sourcemapPath);
    const abs = path.resolve(mapDir, relativeSourcePath);
    const marker = `${path.sep}node_modules${path.sep}`;
    const at = abs.indexOf(marker);
    // A package: where the repository's own node_modules would hold it (npm workspaces hoist to the root).
    const inRepo = at >= 0 ? path.join(root, 'node_modules', abs.slice(at + marker.length)) : abs;
    return toPosix(path.relative(mapDir, inRepo));
  };
}

/** Every file under dir, as '/'-separated paths relative to it, in byte order. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(path.join(dir, entry.name), rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Writes outDir/release.json for the files now in outDir; returns the digest. */
export function writeReleaseManifest(outDir: string): string {
  const files: ReleaseFile[] = listFiles(outDir)
    .filter(isReleaseFile)
    .map((rel) => ({ path: rel, sha256: sha256(fs.readFileSync(path.join(outDir, rel))) }));
  const digest = sha256(releaseListing(files));
  fs.writeFileSync(path.join(outDir, RELEASE_MANIFEST), `${JSON.stringify(releaseManifest(files, digest), null, 1)}\n`);
  return digest;
}

/** Writes release.json last: after the bundle, the public files and every .br/.gz copy are on disk. */
export function releaseManifestPlugin(): Plugin {
  let outDir = '';
  let compressed: Promise<void> | undefined;
  return {
    name: 'hearth:release-manifest',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
      // The compression plugin writes the public files' copies in its own closeBundle; this waits for it.
      compressed = compression.getPluginAPI(config.plugins)?.done;
    },
    closeBundle: {
      order: 'post',
      sequential: true,
      async handler() {
        await compressed;
        const digest = writeReleaseManifest(outDir);
        this.info(`release digest ${digest}`);
      },
    },
  };
}
