import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { RELEASE_MANIFEST, readReleaseManifest, releaseListing, type ReleaseManifest } from '@hearth/shared/release';

/**
 * `hearth verify --url https://hearth.example.org [--manifest client/dist/release.json]` (docs/verify.md): compares
 * what a running Hearth serves with a build made here from the released source. Every file the local release.json
 * lists is fetched from the server and hashed: scripts, style sheets and pages as a browser gets them (asking for
 * brotli or gzip, then decompressed, so the bytes hashed are the bytes a browser runs), the .br/.gz copies as
 * stored. The server's own release.json is compared too, but proves nothing on its own: the files decide.
 */

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

function readLocal(file: string): ReleaseManifest {
  const manifest = readReleaseManifest(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!manifest) throw new Error(`${file} is not a release manifest`);
  if (sha256(releaseListing(manifest.files)) !== manifest.digest) throw new Error(`${file}: its digest is not the digest of its list`);
  return manifest;
}

/** The served bytes of one file: compressed copies as stored, anything else as a browser decodes it. */
async function served(base: string, path: string): Promise<Uint8Array | undefined> {
  const raw = /\.(br|gz)$/.test(path);
  // fetch (undici) decodes br and gzip itself; for a stored copy, ask for no encoding so none is applied on top.
  const res = await fetch(new URL(path, base), { headers: { 'accept-encoding': raw ? 'identity' : 'br, gzip' }, redirect: 'error' });
  if (!res.ok) return undefined;
  return new Uint8Array(await res.arrayBuffer());
}

export interface VerifyResult {
  ok: boolean;
  lines: string[];
}

/** Compares the server at `url` with the local manifest; every line says what disagrees, or that all agrees. */
export async function verifyServer(url: string, manifestFile: string): Promise<VerifyResult> {
  const local = readLocal(manifestFile);
  const base = url.endsWith('/') ? url : `${url}/`;
  const lines: string[] = [];
  const remoteRes = await fetch(new URL(RELEASE_MANIFEST, base));
  const remote = remoteRes.ok ? readReleaseManifest(await remoteRes.json().catch(() => undefined)) : undefined;
  if (!remote) lines.push(`the server publishes no readable ${RELEASE_MANIFEST}`);
  else if (remote.digest !== local.digest) lines.push(`the server's ${RELEASE_MANIFEST} names release ${remote.digest}, not ${local.digest}`);
  for (const file of local.files) {
    const bytes = await served(base, file.path);
    if (!bytes) lines.push(`${file.path}: not served`);
    else if (sha256(bytes) !== file.sha256) lines.push(`${file.path}: differs from the local build`);
  }
  const ok = lines.length === 0;
  lines.push(ok
    ? `All ${local.files.length} files of release ${local.digest} are served by ${url} exactly as built here.`
    : `${url} does NOT serve release ${local.digest} as built here.`);
  return { ok, lines };
}
