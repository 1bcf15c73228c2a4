import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The built client, as the server serves it. */
export const CLIENT_DIST = fileURLToPath(new URL('../../client/dist', import.meta.url));

/** The JavaScript the first screen may need before it draws (home, host, pre-join), gzipped. */
export const FIRST_SCREEN_BUDGET = 80 * 1024;

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}

type Manifest = Record<string, ManifestChunk>;

const readManifest = (distDir: string) =>
  JSON.parse(fs.readFileSync(path.join(distDir, '.vite', 'manifest.json'), 'utf8')) as Manifest;

/** The manifest keys of `roots` and every chunk they import statically, recursively. */
function staticClosure(manifest: Manifest, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (key: string): void => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const dep of manifest[key]?.imports ?? []) visit(dep);
  };
  roots.forEach(visit);
  return seen;
}

export interface BundleMeasure {
  /** Bytes, gzipped (level 9, as the build writes its .gz files), of the entry chunk and all it imports statically. */
  firstScreenGzip: number;
  /** Bytes, gzipped, of every script the build wrote (lazy chunks and the frame worker too). */
  totalGzip: number;
  /** The first screen's scripts, relative to distDir. */
  firstScreenFiles: string[];
}

const gzipped = (file: string) => gzipSync(fs.readFileSync(file), { level: 9 }).length;

/**
 * Reads the Vite manifest (dist/.vite/manifest.json): the first screen is the entry chunk and every chunk it
 * imports statically, recursively; dynamic imports (the room, session creation) are left out, as the browser
 * fetches them only after the first paint.
 */
export function measureBundle(distDir: string = CLIENT_DIST): BundleMeasure {
  const manifest = readManifest(distDir);
  const entries = Object.keys(manifest).filter((key) => manifest[key]!.isEntry);
  if (entries.length === 0) throw new Error('the manifest names no entry chunk');
  const firstScreenFiles = [...staticClosure(manifest, entries)].map((key) => manifest[key]!.file).filter((file) => file.endsWith('.js'));
  const assets = path.join(distDir, 'assets');
  const allScripts = fs.readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => path.join(assets, f));
  return {
    firstScreenGzip: firstScreenFiles.reduce((sum, f) => sum + gzipped(path.join(distDir, f)), 0),
    totalGzip: allScripts.reduce((sum, f) => sum + gzipped(f), 0),
    firstScreenFiles,
  };
}

/**
 * The files (scripts and style sheets, relative to distDir) that a dynamic import of `src` fetches beyond the
 * first screen's: e.g. 'src/views/roomChunk.ts' gives the room's chunk, the libsodium/TypeBox chunk and the
 * room's CSS.
 */
export function lazyChunkFiles(src: string, distDir: string = CLIENT_DIST): string[] {
  const manifest = readManifest(distDir);
  if (!manifest[src]) throw new Error(`${src} is not a chunk of the build`);
  const firstScreen = staticClosure(manifest, Object.keys(manifest).filter((key) => manifest[key]!.isEntry));
  const lazy = [...staticClosure(manifest, [src])].filter((key) => !firstScreen.has(key));
  return lazy.flatMap((key) => [manifest[key]!.file, ...(manifest[key]!.css ?? [])]);
}

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
