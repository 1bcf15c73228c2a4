import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../server/src/config/loadConfig.js';
import { configFromEnv } from '../../server/src/config/env.js';
import type { ConfigOverrides } from '../../server/src/config/schema.js';
import { envFile, INFRA, infraFiles, interpolate, readInfra, ROOT, unitSettings } from '../support/infra.js';

// The deployment files in infra/ (issue 12): every example configuration validates against the server's schema,
// and the compose file, the image build and the systemd unit are checked as their tools would read them (there is
// no Docker engine here; systemd-analyze verifies the unit).

const json = (rel: string) => JSON.parse(readInfra(rel)) as ConfigOverrides;
const composeDir = path.join(INFRA, 'compose');
const composeVars = envFile(readInfra('compose/env.example'));

interface Service { environment?: Record<string, string>; volumes?: string[]; ports?: string[]; secrets?: string[];
  build?: { context: string; dockerfile: string }; command?: string[]; image?: string }
interface Compose { services: Record<string, Service>; secrets: Record<string, { file: string }>; volumes: Record<string, unknown> }

function compose(vars = composeVars, used?: Set<string>): Compose {
  return parseYaml(interpolate(readInfra('compose/compose.yaml'), vars, used)) as Compose;
}

describe('every example configuration in infra/ validates against the config schema', () => {
  const configs = infraFiles().filter((f) => /(^|\/)hearth[^/]*\.(json|env)$/.test(f));

  it('finds the examples (compose, systemd)', () => {
    expect(configs).toEqual(expect.arrayContaining(['compose/hearth.json', 'systemd/hearth.json', 'systemd/hearth.env']));
  });

  it.each(configs)('%s', (rel) => {
    const layer = rel.endsWith('.json') ? json(rel) : configFromEnv(envFile(readInfra(rel)));
    expect(() => loadConfig(layer)).not.toThrow();
    // The same file with one misspelt key is refused, so this check has teeth.
    expect(() => loadConfig({ ...layer, recordng: true } as ConfigOverrides)).toThrow(/invalid configuration/);
  });

  it('compose: the hearth service, its environment interpolated from env.example, and its hearth.json together', () => {
    const env = compose().services.hearth!.environment!;
    const config = loadConfig(json('compose/hearth.json'), configFromEnv(env));
    expect(config.turn?.urls).toEqual(['turn:meet.example.org:3478?transport=udp', 'turns:meet.example.org:5349?transport=tcp']);
    expect(config.rtc.announcedAddress).toBe(composeVars.HEARTH_PUBLIC_IP);
    expect(config.adminKeyFile).toBe('/run/secrets/admin_key');
    expect(config.http.trustProxy).toBe(true); // behind Caddy: per-address limits count members, not the proxy
  });

  it('systemd: hearth.env, the unit\'s own Environment= lines and hearth.json together', () => {
    const env: Record<string, string> = { ...envFile(readInfra('systemd/hearth.env')) };
    for (const line of unitSettings(readInfra('systemd/hearth.service')).get('Environment') ?? []) {
      const [k, v] = line.split(/=(.*)/s) as [string, string];
      env[k] = v.replace('%d', '/run/credentials/hearth.service');
    }
    const config = loadConfig(json('systemd/hearth.json'), configFromEnv(env));
    expect(config.adminKeyFile).toBe('/run/credentials/hearth.service/admin-key');
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.http.trustProxy).toBe(true);
  });
});

describe('infra/compose/compose.yaml', () => {
  it('needs only the variables env.example sets, and says so when one is missing', () => {
    const used = new Set<string>();
    compose(composeVars, used);
    expect([...used].filter((v) => !(v in composeVars) && v !== 'TURN_TLS_PORT')).toEqual([]);
    expect(() => compose({ ...composeVars, HEARTH_PUBLIC_IP: '' })).toThrow(/HEARTH_PUBLIC_IP/);
  });

  it('runs Hearth, coturn and Caddy; every file it mounts or builds from exists', () => {
    const c = compose();
    expect(Object.keys(c.services).sort()).toEqual(['caddy', 'coturn', 'hearth']);
    const h = c.services.hearth!;
    expect(fs.existsSync(path.resolve(composeDir, h.build!.context, h.build!.dockerfile))).toBe(true);
    for (const service of Object.values(c.services)) {
      for (const v of service.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.')) expect(fs.existsSync(path.resolve(composeDir, source)), source).toBe(true);
        else expect(Object.keys(c.volumes), source).toContain(source);
      }
    }
  });

  it('secrets are files, never variables; make-secrets.sh writes every one', () => {
    const c = compose();
    for (const [name, service] of Object.entries(c.services)) {
      for (const [k, v] of Object.entries(service.environment ?? {})) {
        if (/KEY|SECRET|TOKEN/.test(k)) expect(k, `${name}.${k}`).toMatch(/_FILE$/);
        if (k.endsWith('_FILE')) expect(service.secrets, `${name}.${k}`).toContain(v.replace('/run/secrets/', ''));
      }
    }
    const script = readInfra('compose/make-secrets.sh');
    const written = /for name in ([^;]+);/.exec(script)![1]!.trim().split(/\s+/);
    expect(Object.values(c.secrets).map((s) => s.file).sort()).toEqual(written.map((n) => `./secrets/${n}`).sort());
    // The secrets folder and .env stay out of the image's build context.
    expect(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')).toMatch(/infra\/compose\/secrets/);
  });

  it('publishes the media port hearth.json listens on, and coturn serves TURN on the ports Hearth hands out', () => {
    const c = compose({ ...composeVars, TURN_TLS_PORT: '443' });
    const port = json('compose/hearth.json').rtc!.port!;
    expect(c.services.hearth!.ports).toEqual([`${port}:${port}/udp`, `${port}:${port}/tcp`]);
    expect(json('compose/hearth.json').mediasoup!.numWorkers).toBe(1); // one worker: one media port
    const turnCommand = c.services.coturn!.command!.join(' ');
    expect(turnCommand).toContain('--tls-listening-port=443');
    expect(c.services.hearth!.environment!.HEARTH_TURN_URLS).toContain('turns:meet.example.org:443?transport=tcp');
    expect(turnCommand).toContain('--static-auth-secret="$(cat /run/secrets/turn_secret)"');
    expect(c.services.caddy!.volumes).toContain('../caddy/Caddyfile:/etc/caddy/Caddyfile:ro');
  });
});

describe('infra/docker/Dockerfile', () => {
  const text = readInfra('docker/Dockerfile').replace(/\\\n/g, ' ');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages = lines.filter((l) => l.startsWith('FROM '));

  it('two stages; the runtime runs the server as a user that is not root', () => {
    expect(stages.map((l) => l.split(' AS ')[1])).toEqual(['build', 'runtime']);
    const runtime = lines.slice(lines.indexOf(stages[1]!));
    const user = runtime.filter((l) => l.startsWith('USER ')).pop();
    expect(user).toBe('USER node');
    expect(runtime.at(-1)).toBe('CMD ["node", "server/dist/main.js"]');
  });

  it('builds the worker with the project recipe, offline, and copies only what exists in the repository', () => {
    expect(text).toContain('MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD=1');
    expect(text).toContain('sh server/scripts/mediasoup/system-deps.sh build');
    expect(text).toContain('sh server/scripts/mediasoup/ensure-worker.sh');
    expect(text).not.toMatch(/\b(curl|wget)\b/);
    for (const copy of lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
      const sources = copy.split(/\s+/).slice(1, -1);
      for (const s of sources) expect(fs.existsSync(path.join(ROOT, s)), s).toBe(true);
    }
  });

  it('exposes the media port compose publishes', () => {
    const port = json('compose/hearth.json').rtc!.port!;
    expect(text).toMatch(new RegExp(`EXPOSE 8080 ${port}/udp ${port}/tcp`));
  });
});

describe('infra/systemd/hearth.service', () => {
  const unit = unitSettings(readInfra('systemd/hearth.service'));

  it('secrets arrive as credentials, each with its _FILE variable, never as Environment= values', () => {
    const creds = (unit.get('LoadCredential') ?? []).map((l) => l.split(':')[0]!);
    expect(creds.sort()).toEqual(['admin-key', 'metrics-token', 'turn-secret']);
    const env = unit.get('Environment') ?? [];
    for (const c of creds) expect(env.some((e) => e.endsWith(`_FILE=%d/${c}`)), c).toBe(true);
    expect(env.filter((e) => /^HEARTH_(ADMIN_KEY|TURN_SECRET|METRICS_TOKEN)=/.test(e))).toEqual([]);
  });

  it('systemd-analyze verify accepts it without a warning', () => {
    // ExecStart names /usr/bin/node (Debian's path); verify checks that it is executable, so point it at this Node.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-unit-'));
    const file = path.join(dir, 'hearth.service');
    fs.writeFileSync(file, readInfra('systemd/hearth.service').replace('ExecStart=/usr/bin/node', `ExecStart=${process.execPath}`));
    const run = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(run.error).toBeUndefined();
    expect(run.stderr.trim()).toBe('');
    expect(run.status).toBe(0);
  });

  it('systemd-analyze catches a misspelt setting (the check above can fail)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-unit-'));
    const file = path.join(dir, 'hearth.service');
    fs.writeFileSync(file, readInfra('systemd/hearth.service').replace('NoNewPrivileges=', 'NoNewPrivilege='));
    const out = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(out.stderr).toContain("Unknown key 'NoNewPrivilege'");
  });
});
