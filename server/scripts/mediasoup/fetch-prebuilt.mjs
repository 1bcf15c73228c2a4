// Fetches mediasoup's official prebuilt worker for the installed version, exactly as mediasoup's own
// postinstall would (same release asset name), for online self-hosted installs.
// Usage: node fetch-prebuilt.mjs <mediasoup package dir>. Exit 0 when the binary was extracted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createRequire } from 'node:module';

const pkgDir = path.resolve(process.argv[2] ?? 'node_modules/mediasoup');
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
// tar is one of mediasoup's own dependencies, so it is always installed next to it.
const tar = createRequire(path.join(pkgDir, 'package.json'))('tar');

let name = `mediasoup-worker-${pkg.version}-${os.platform()}-${os.arch()}`;
if (os.platform() === 'linux') name += `-kernel${Number(os.release().split('.')[0])}`;
const base =
  process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL ??
  `${pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '')}/releases/download`;
const url = `${base}/${pkg.version}/${name}.tgz`;
const outDir = path.join(pkgDir, 'worker', 'out', 'Release');

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  fs.mkdirSync(outDir, { recursive: true });
  await pipeline(Readable.fromWeb(res.body), tar.extract({ cwd: outDir, strict: true }));
  fs.chmodSync(path.join(outDir, 'mediasoup-worker'), 0o755);
  console.log(`[hearth worker] fetched ${url}`);
} catch (error) {
  console.log(`[hearth worker] prebuilt worker unavailable (${url}): ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
