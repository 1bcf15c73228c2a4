/**
 * The release manifest (client/dist/release.json): every file the server serves from the client build, with its
 * SHA-256, and one digest for the whole release. Written by the build (client/build/releaseManifest.ts), recomputed
 * by the server from the files it serves (server/src/app/release.ts), shown on the page's "Verify this page" view
 * and checked from outside by `hearth verify` (docs/verify.md).
 *
 * The digest is the SHA-256 of the listing `sha256sum` prints: one line `<hex>  <path>\n` per file, sorted by path
 * (byte order), paths relative to the build folder with '/' separators. So it can be checked with shell tools alone:
 *
 *   cd client/dist && find . -type f ! -name release.json ! -path './.*' -printf '%P\n' | LC_ALL=C sort \
 *     | xargs sha256sum | sha256sum
 *
 * Pure: no Node or browser API, so the page, the server and the build share it.
 */

export const RELEASE_MANIFEST = 'release.json';

export interface ReleaseFile {
  /** Relative to the build folder, '/' separated (index.html, assets/index-D3AMLvnf.js.br). */
  path: string;
  /** Lowercase hex. */
  sha256: string;
}

export interface ReleaseManifest {
  format: 1;
  /** SHA-256 (hex) of releaseListing(files). */
  digest: string;
  files: ReleaseFile[];
}

const byPath = (a: ReleaseFile, b: ReleaseFile): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** The text whose SHA-256 is the release digest: `sha256sum`'s output for the files, sorted by path. */
export function releaseListing(files: readonly ReleaseFile[]): string {
  return [...files].sort(byPath).map((f) => `${f.sha256}  ${f.path}\n`).join('');
}

/** Whether a file of the build is served (and so listed): not release.json itself, nothing under a dot folder. */
export function isReleaseFile(relPath: string): boolean {
  return relPath !== RELEASE_MANIFEST && !relPath.split('/').some((part) => part.startsWith('.'));
}

const HEX64 = /^[0-9a-f]{64}$/;
const SAFE_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** A release.json as parsed JSON, checked field by field; undefined when it is not one. */
export function readReleaseManifest(value: unknown): ReleaseManifest | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { format, digest, files } = value as Record<string, unknown>;
  if (format !== 1 || typeof digest !== 'string' || !HEX64.test(digest) || !Array.isArray(files)) return undefined;
  const checked: ReleaseFile[] = [];
  for (const file of files as unknown[]) {
    if (typeof file !== 'object' || file === null) return undefined;
    const { path, sha256 } = file as Record<string, unknown>;
    if (typeof path !== 'string' || !SAFE_PATH.test(path) || path.split('/').includes('..')) return undefined;
    if (typeof sha256 !== 'string' || !HEX64.test(sha256)) return undefined;
    checked.push({ path, sha256 });
  }
  return { format: 1, digest, files: checked };
}

/** The manifest for these files (the digest is given: the caller hashes the listing with what it has). */
export function releaseManifest(files: readonly ReleaseFile[], digest: string): ReleaseManifest {
  return { format: 1, digest, files: [...files].sort(byPath) };
}
