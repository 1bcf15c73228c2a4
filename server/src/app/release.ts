import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { RELEASE_MANIFEST, isReleaseFile, readReleaseManifest, releaseListing, type ReleaseFile } from '@hearth/shared/release';

/**
 * The release the server is about to serve (docs/verify.md): the digest of the client files as they are on disk,
 * computed here from the files themselves, never taken from release.json. At start it is logged (it is not
 * secret: anyone can fetch the files) and shown in the start banner; the server warns loudly when
 *
 * - release.json is missing, unreadable, or lists other files or other hashes than those served, or
 * - a .br or .gz copy does not decompress to the file beside it: a browser is sent the copy, not the plain file,
 *   so a copy that differs would run code no listed hash describes.
 */
export interface ReleaseCheck {
  /** SHA-256 of the listing of the files served (@hearth/shared/release). */
  digest: string;
  /** How many files are served (release.json itself not counted). */
  files: number;
  /** What release.json says, when it could be read. */
  manifestDigest?: string;
  /** Each thing that disagrees, by file path (empty when all is well). */
  problems: string[];
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

function walk(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(path.join(dir, entry.name), rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/** A compressed copy that does not decompress to its plain file, as a problem line (undefined when it does). */
function copyProblem(clientDir: string, rel: string, served: Set<string>): string | undefined {
  const plain = rel.replace(/\.(br|gz)$/, '');
  if (plain === rel || !served.has(plain)) return undefined;
  const unpack = rel.endsWith('.br') ? brotliDecompressSync : gunzipSync;
  try {
    const same = unpack(fs.readFileSync(path.join(clientDir, rel))).equals(fs.readFileSync(path.join(clientDir, plain)));
    return same ? undefined : `${rel} does not decompress to ${plain}`;
  } catch {
    return `${rel} is not a valid compressed copy of ${plain}`;
  }
}

function readManifest(clientDir: string): ReturnType<typeof readReleaseManifest> {
  try {
    return readReleaseManifest(JSON.parse(fs.readFileSync(path.join(clientDir, RELEASE_MANIFEST), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Hashes every file the server serves from clientDir and compares with the build's release.json. */
export function checkRelease(clientDir: string): ReleaseCheck {
  const paths = walk(clientDir).filter(isReleaseFile);
  const served = new Set(paths);
  const files: ReleaseFile[] = paths.map((rel) => ({ path: rel, sha256: sha256(fs.readFileSync(path.join(clientDir, rel))) }));
  const digest = sha256(releaseListing(files));
  const problems = paths.map((rel) => copyProblem(clientDir, rel, served)).filter((p): p is string => p !== undefined);
  const manifest = readManifest(clientDir);
  if (!manifest) return { digest, files: files.length, problems: [...problems, `${RELEASE_MANIFEST} is missing or unreadable`] };
  const listed = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  for (const file of files) {
    const hash = listed.get(file.path);
    if (hash === undefined) problems.push(`${file.path} is served but not in ${RELEASE_MANIFEST}`);
    else if (hash !== file.sha256) problems.push(`${file.path} differs from ${RELEASE_MANIFEST}`);
  }
  for (const listedPath of listed.keys()) if (!served.has(listedPath)) problems.push(`${listedPath} is in ${RELEASE_MANIFEST} but missing`);
  if (manifest.digest !== sha256(releaseListing(manifest.files))) problems.push(`${RELEASE_MANIFEST}'s digest is not the digest of its list`);
  return { digest, files: files.length, manifestDigest: manifest.digest, problems };
}

const checks = new WeakMap<FastifyInstance, ReleaseCheck>();

/** The release this server serves (undefined when it serves no client build). */
export function releaseOf(fastify: FastifyInstance): ReleaseCheck | undefined {
  return checks.get(fastify);
}

/** Checks the client build at start and logs its digest, or warns loudly of every disagreement. */
export function registerRelease(fastify: FastifyInstance, clientDir: string): ReleaseCheck {
  const check = checkRelease(clientDir);
  checks.set(fastify, check);
  logRelease(fastify.log, check);
  return check;
}

function logRelease(log: FastifyBaseLogger, check: ReleaseCheck): void {
  log.info({ releaseDigest: check.digest, files: check.files }, 'client release');
  if (check.problems.length === 0) return;
  log.error(
    { releaseDigest: check.digest, manifestDigest: check.manifestDigest ?? null, problems: check.problems.slice(0, 20), count: check.problems.length },
    'THE CLIENT FILES SERVED ARE NOT THE RELEASE THEIR release.json DESCRIBES: members would run code no released build made',
  );
}

/** The start banner's lines on the release (main.ts): the digest a practice compares with its own build. */
export function releaseBanner(check: ReleaseCheck): string {
  const warning = check.problems.length === 0 ? '' : `  WARNING: ${check.problems.length} client file(s) disagree with release.json (see the log).\n`;
  return `  Client release ${check.digest} (${check.files} files); check it as docs/verify.md says.\n${warning}\n`;
}
