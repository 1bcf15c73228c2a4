import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, freePort } from './server.js';

// Hearth nodes as the operator runs them (node server/dist/main.js, configured by the environment) and Debian's
// Caddy in front with infra/caddy/Caddyfile.cluster, all on loopback (docs/scale-out.md).

export const CADDY = '/usr/bin/caddy';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = path.join(ROOT, 'server/dist/main.js');
export const CADDYFILE = path.join(ROOT, 'infra/caddy/Caddyfile.cluster');

export interface Proc {
  proc: ChildProcess;
  log: () => string;
  /** SIGTERM (or the given signal), and the exit awaited (at most 10 s). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => void (out = (out + d.toString()).slice(-20_000));
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return {
    proc,
    log: () => out,
    stop: (signal = 'SIGTERM') => new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const timer = setTimeout(() => (proc.kill('SIGKILL'), resolve()), 10_000);
      proc.once('exit', () => (clearTimeout(timer), resolve()));
      proc.kill(signal);
    }),
  };
}

export interface HearthNode extends Proc {
  id: string;
  url: string;
}

/** Ports found free and then taken before the node listened (by any process's connection): tried again. */
const PORT_TAKEN = /EADDRINUSE|address already in use/i;

/**
 * One Hearth node, built (server/dist) and started like production; resolves once /healthz answers. A node that
 * exits first because one of its ports was taken meanwhile (freePort cannot reserve it) is started again on new
 * ports, twice at most; any other exit fails at once with its log.
 */
export async function startNode(o: { id: string; redisUrl: string; adminKey: string; clientDir: string }): Promise<HearthNode> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const node = launch(process.execPath, [MAIN], {
      PATH: process.env.PATH, HOME: os.tmpdir(), PORT: String(port), HEARTH_HOST: '127.0.0.1',
      HEARTH_RTC_PORT: String(await freePort()), HEARTH_RTC_LISTEN_IPS: '127.0.0.1', HEARTH_WORKERS: '1',
      HEARTH_REDIS_URL: o.redisUrl, HEARTH_NODE_ID: o.id, HEARTH_NODE_LIVENESS_SECONDS: '3',
      HEARTH_ADMIN_KEY: o.adminKey, HEARTH_CLIENT_DIR: o.clientDir, HEARTH_LOG_LEVEL: 'warn',
    });
    let exited = false;
    node.proc.once('exit', () => (exited = true));
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => exited || (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true, 30_000, `node ${o.id} up`)
      .catch((err: unknown) => { throw new Error(`${(err as Error).message}\n${node.log()}`); });
    if (!exited) return { ...node, id: o.id, url };
    if (attempt < 3 && PORT_TAKEN.test(node.log())) continue;
    throw new Error(`node ${o.id} exited before it was up\n${node.log()}`);
  }
}

/** Caddy with the cluster Caddyfile over plain http on loopback; resolves once it proxies /healthz. */
export async function startCaddy(nodes: { a: string; b: string }): Promise<Proc & { url: string; dir: string }> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-caddy-'));
  const host = (u: string) => new URL(u).host;
  const caddy = launch(CADDY, ['run', '--config', CADDYFILE, '--adapter', 'caddyfile'], {
    PATH: process.env.PATH, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir,
    HEARTH_CADDY_ADMIN: 'off', HEARTH_CADDY_BIND: '127.0.0.1', HEARTH_SITE: `http://127.0.0.1:${port}`,
    HEARTH_NODE_A: host(nodes.a), HEARTH_NODE_B: host(nodes.b), HEARTH_HEALTH_INTERVAL: '1s',
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true, 15_000, 'caddy up')
    .catch((err: unknown) => { throw new Error(`${(err as Error).message}\n${caddy.log()}`); });
  return { ...caddy, url, dir };
}
