import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig } from './loadConfig.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliDefaults, configFromEnv, configFromFile } from './env.js';

describe('loadConfig', () => {
  it('the embedded default is valid, frozen and needs no file or env', () => {
    const c = loadConfig();
    expect(c).toEqual(defaultConfig());
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.rtc)).toBe(true);
    expect(() => ((c.http as { port: number }).port = 1)).toThrow(TypeError);
  });

  it('later layers override earlier ones, section by section', () => {
    const c = loadConfig({ http: { port: 9000 } }, { http: { host: '127.0.0.1' }, sessions: { maxPeers: 4 } });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(c.sessions.maxPeers).toBe(4);
    expect(c.sessions.idleMinutes).toBe(defaultConfig().sessions.idleMinutes);
    expect(c.rtc).toEqual(defaultConfig().rtc);
  });

  it.each([
    [{ http: { port: 70000 } }, '/http/port'],
    [{ rtc: { listenIps: ['not an ip'] } }, '/rtc/listenIps/0'],
    [{ sessions: { maxPeers: 1 } }, '/sessions/maxPeers'],
    [{ adminKey: 'too-short' }, '/adminKey'],
    [{ logLevel: 'loud' }, '/logLevel'],
    [{ mediasoup: { logLevel: 'verbose' } }, '/mediasoup/logLevel'],
  ])('rejects %j, naming %s', (layer, path) => {
    expect(() => loadConfig(layer as never)).toThrow(ConfigError);
    expect(() => loadConfig(layer as never)).toThrow(path);
  });

  it('rejects unknown keys at the top and inside sections', () => {
    expect(() => loadConfig({ recording: true } as never)).toThrow(ConfigError);
    expect(() => loadConfig({ http: { tls: true } } as never)).toThrow(ConfigError);
  });
});

describe('configFromEnv', () => {
  it('reads every documented variable', () => {
    const o = configFromEnv({
      PORT: '3000', HEARTH_HOST: '127.0.0.1', HEARTH_RTC_PORT: '41000', HEARTH_RTC_LISTEN_IPS: '10.0.0.2, 127.0.0.1',
      HEARTH_ANNOUNCED_ADDRESS: 'media.example.org', HEARTH_WORKERS: '2', HEARTH_LOG_LEVEL: 'warn', HEARTH_CLIENT_DIR: '', HEARTH_ADMIN_KEY: 'k'.repeat(40),
    });
    const c = loadConfig(o);
    expect(c.http).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(c.rtc).toMatchObject({ port: 41000, listenIps: ['10.0.0.2', '127.0.0.1'], announcedAddress: 'media.example.org' });
    expect(c.mediasoup.numWorkers).toBe(2);
    expect(c.logLevel).toBe('warn');
    expect(c.adminKey).toBe('k'.repeat(40));
  });

  it('an empty environment changes nothing', () => {
    expect(loadConfig(configFromEnv({}))).toEqual(defaultConfig());
  });

  it('rejects a non-numeric port with the variable name', () => {
    expect(() => configFromEnv({ PORT: '80a' })).toThrow(/PORT/);
  });

  it('reads the proxy trust and the per-address limits; anything but true/false is refused by name', () => {
    const c = loadConfig(configFromEnv({
      HEARTH_TRUST_PROXY: 'true', HEARTH_CONNECTIONS_PER_ADDRESS: '30', HEARTH_CONNECTS_PER_ADDRESS_PER_MINUTE: '90',
    }));
    expect(c.http.trustProxy).toBe(true);
    expect(c.limits).toEqual({ connectionsPerAddress: 30, connectsPerAddressPerMinute: 90 });
    expect(loadConfig(configFromEnv({ HEARTH_TRUST_PROXY: 'false' })).http.trustProxy).toBe(false);
    expect(() => configFromEnv({ HEARTH_TRUST_PROXY: 'yes' })).toThrow(/HEARTH_TRUST_PROXY/);
  });

  it('an invalid value from env fails validation', () => {
    expect(() => loadConfig(configFromEnv({ HEARTH_LOG_LEVEL: 'chatty' }))).toThrow(ConfigError);
  });
});

describe('configFromFile (HEARTH_CONFIG)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hearth-config-'));
  const file = (name: string, text: string) => { const f = path.join(dir, name); writeFileSync(f, text); return f; };

  it('no variable, no layer; a JSON file is a layer the environment then overrides', () => {
    expect(configFromFile({})).toEqual({});
    const f = file('ok.json', JSON.stringify({ sessions: { maxPeers: 8 }, http: { port: 9000 } }));
    const c = loadConfig(configFromFile({ HEARTH_CONFIG: f }), configFromEnv({ PORT: '9100' }));
    expect(c.sessions.maxPeers).toBe(8);
    expect(c.http.port).toBe(9100);
  });

  it('a missing file, bad JSON, or something else than an object is a ConfigError naming HEARTH_CONFIG', () => {
    expect(() => configFromFile({ HEARTH_CONFIG: path.join(dir, 'none.json') })).toThrow(/HEARTH_CONFIG: cannot read .*ENOENT/);
    expect(() => configFromFile({ HEARTH_CONFIG: file('bad.json', '{ "http": ') })).toThrow(ConfigError);
    expect(() => configFromFile({ HEARTH_CONFIG: file('list.json', '[1]') })).toThrow(/not a JSON object/);
  });

  it('HEARTH_ADMIN_KEY_FILE becomes adminKeyFile; the CLI reads the key from it', () => {
    const f = file('admin-key', `${'k'.repeat(40)}\n`);
    expect(loadConfig(configFromEnv({ HEARTH_ADMIN_KEY_FILE: f })).adminKeyFile).toBe(f);
    expect(cliDefaults({ HEARTH_ADMIN_KEY_FILE: f }).adminKey).toBe('k'.repeat(40));
  });
});
