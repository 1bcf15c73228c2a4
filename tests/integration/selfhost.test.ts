import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { envFile, readInfra, ROOT, unitSettings } from '../support/infra.js';
import { eventually } from '../support/server.js';

// Hearth started the way the self-hosting guide installs it (issue 12, item 6): the built server as a process, with
// the systemd unit's environment, hearth.env and hearth.json from infra/, and its secrets as credential files. The
// facilitator key must never reach a log stream (stdout and stderr here are pipes, as under systemd or docker); it is
// shown only on an interactive terminal (a pty from script(1)).

const MAIN = path.join(ROOT, 'server/dist/main.js');
const made: string[] = [];
const tmp = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-selfhost-')); made.push(d); return d; };
afterAll(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

interface Started { output: () => string; port: number; stop: () => Promise<void> }

/** Starts main.js with `env` (over a clean base), stdout and stderr piped; resolves once it says it is running. */
async function start(env: Record<string, string>, viaPty = false): Promise<Started> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: env.HOME ?? tmp(), PORT: String(port), HEARTH_HOST: '127.0.0.1',
    HEARTH_RTC_PORT: '0', HEARTH_RTC_LISTEN_IPS: '127.0.0.1', HEARTH_WORKERS: '1' };
  const all = { ...env, ...base, ...(env.HOME ? { HOME: env.HOME } : {}) };
  // script(1) gives the server a pseudo-terminal for stdout: what an operator running it by hand sees.
  const child = viaPty
    ? spawn('script', ['-qfec', `${process.execPath} ${MAIN}`, '/dev/null'], { env: all, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, [MAIN], { env: all, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await eventually(() => out.includes('Hearth is running') || child.exitCode !== null, 20_000, 'the server to start');
  if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
  return {
    output: () => out,
    port,
    stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }),
  };
}

const secret = () => randomBytes(36).toString('base64');

/** The guide's bare-metal install: hearth.env + the unit's Environment= lines + hearth.json + credentials. */
function asTheUnitWould(): { env: Record<string, string>; adminKey: string; turnSecret: string; metricsToken: string } {
  const etc = tmp();
  const creds = tmp();
  const [adminKey, turnSecret, metricsToken] = [secret(), secret(), secret()];
  fs.writeFileSync(path.join(creds, 'admin-key'), `${adminKey}\n`, { mode: 0o600 });
  fs.writeFileSync(path.join(creds, 'turn-secret'), turnSecret, { mode: 0o600 });
  fs.writeFileSync(path.join(creds, 'metrics-token'), metricsToken, { mode: 0o600 });
  fs.writeFileSync(path.join(etc, 'hearth.json'), readInfra('systemd/hearth.json'));
  const env: Record<string, string> = { ...envFile(readInfra('systemd/hearth.env')) };
  for (const line of unitSettings(readInfra('systemd/hearth.service')).get('Environment') ?? []) {
    const [k, v] = line.split(/=(.*)/s) as [string, string];
    env[k] = v.replace('%d', creds).replace('/etc/hearth', etc);
  }
  return { env, adminKey, turnSecret, metricsToken };
}

async function createSession(port: number, key: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ title: 'Tuesday group', signingKey: Buffer.alloc(32, 7).toString('base64url') }),
  });
  return res.status;
}

describe('started as the guide installs it', () => {
  it('takes its secrets from credential files and writes none of them to its output', async () => {
    const unit = asTheUnitWould();
    const server = await start(unit.env);
    try {
      expect(await createSession(server.port, unit.adminKey)).toBe(201);
      expect(await createSession(server.port, secret())).toBe(401);
      const metrics = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { authorization: `Bearer ${unit.metricsToken}` } });
      expect(metrics.status).toBe(200);
      expect(server.output()).toContain('enter the configured facilitator key');
    } finally {
      await server.stop();
    }
    for (const s of [unit.adminKey, unit.turnSecret, unit.metricsToken]) expect(server.output()).not.toContain(s);
    expect(server.output()).not.toContain('#key=');
  });

  it('a key made for this run goes to a file only its user can read, not to the output', async () => {
    const home = tmp();
    const server = await start({ HOME: home });
    const file = path.join(home, '.cache/hearth/admin-key');
    try {
      const key = fs.readFileSync(file, 'utf8').trim();
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(await createSession(server.port, key)).toBe(201);
      expect(server.output()).not.toContain(key);
      expect(server.output()).toContain(file);
    } finally {
      await server.stop();
    }
  });

  it('on an interactive terminal the link with the key is shown', async () => {
    const home = tmp();
    const server = await start({ HOME: home }, true);
    try {
      const key = /host#key=(\S+)/.exec(server.output())?.[1];
      expect(key).toBeDefined();
      expect(await createSession(server.port, key!)).toBe(201);
      expect(fs.existsSync(path.join(home, '.cache/hearth/admin-key'))).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('a credential file that cannot be read stops the start with a clear error naming the setting, not the path\'s contents', async () => {
    const unit = asTheUnitWould();
    const run = spawn(process.execPath, [MAIN], { env: { ...unit.env, PATH: process.env.PATH ?? '', HEARTH_ADMIN_KEY_FILE: '/nonexistent/admin-key' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    run.stdout.on('data', (d: Buffer) => (out += d.toString()));
    run.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(out).toContain('adminKey file: cannot read it (ENOENT)');
    expect(out).not.toContain(unit.turnSecret);
  });
});
