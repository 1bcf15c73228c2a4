import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, freePort } from './server.js';

/**
 * Debian's Caddy in front of an in-process Hearth, as the self-hosting guide runs it (infra/caddy/Caddyfile, the
 * very file), with a throwaway CA and a leaf for localhost made here by Debian's openssl (issue 12).
 */

export const CADDY = '/usr/bin/caddy';
export const OPENSSL = '/usr/bin/openssl';
export const CADDYFILE = fileURLToPath(new URL('../../infra/caddy/Caddyfile', import.meta.url));

export interface LocalCertificate {
  dir: string;
  caPem: string;
  certFile: string;
  keyFile: string;
  /** base64 SHA-256 of the leaf's SubjectPublicKeyInfo, as Chromium's --ignore-certificate-errors-spki-list wants. */
  spkiSha256: string;
}

const openssl = (cwd: string, args: string[]) => execFileSync(OPENSSL, args, { cwd, stdio: 'pipe', timeout: 30_000 });

/** A CA that exists only for this test and a leaf it signs for localhost and 127.0.0.1, in a fresh temp dir. */
export function makeLocalCertificate(): LocalCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Hearth test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  openssl(dir, ['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'leaf.ext'), [
    'subjectAltName=DNS:localhost,IP:127.0.0.1', 'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', '',
  ].join('\n'));
  openssl(dir, ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-extfile', 'leaf.ext', '-out', 'leaf.pem']);
  const leaf = new X509Certificate(fs.readFileSync(path.join(dir, 'leaf.pem')));
  const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  return {
    dir,
    caPem: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
    certFile: path.join(dir, 'leaf.pem'),
    keyFile: path.join(dir, 'leaf.key'),
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
  };
}


const accepts = (port: number) => new Promise<boolean>((resolve) => {
  const socket = net.connect(port, '127.0.0.1');
  socket.once('connect', () => { socket.destroy(); resolve(true); });
  socket.once('error', () => resolve(false));
});

export interface RunningCaddy {
  /** https://localhost:<port> */
  origin: string;
  /** Everything Caddy wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts Caddy with the guide's Caddyfile for `localhost` on free loopback ports, serving the certificate from
 * files (HEARTH_TLS=files) and proxying to `upstream` (host:port). Its state lives in the certificate's temp dir.
 */
export async function startCaddy(cert: LocalCertificate, upstream: string): Promise<RunningCaddy> {
  const [httpsPort, httpPort] = [await freePort(), await freePort()];
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: cert.dir, XDG_DATA_HOME: cert.dir, XDG_CONFIG_HOME: cert.dir,
    HEARTH_DOMAIN: 'localhost', HEARTH_UPSTREAM: upstream,
    HEARTH_TLS: 'files', HEARTH_TLS_CERT: cert.certFile, HEARTH_TLS_KEY: cert.keyFile,
    HEARTH_HTTPS_PORT: String(httpsPort), HEARTH_HTTP_PORT: String(httpPort),
  };
  const child: ChildProcess = spawn(CADDY, ['run', '--config', CADDYFILE, '--adapter', 'caddyfile'], { env, cwd: cert.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await eventually(async () => child.exitCode === null && (await accepts(httpsPort)), 15_000, `caddy listening (${log.slice(-400)})`);
  return {
    origin: `https://localhost:${httpsPort}`,
    output: () => log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      fs.rmSync(cert.dir, { recursive: true, force: true });
    },
  };
}
