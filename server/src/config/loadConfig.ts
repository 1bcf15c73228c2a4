import { fileURLToPath } from 'node:url';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ConfigSchema, type Config, type ConfigOverrides } from './schema.js';

/** The embedded default: everything needed to run Hearth on one machine with no config file. */
export function defaultConfig(): Config {
  return {
    http: { host: '0.0.0.0', port: 8080 },
    rtc: { port: 40000, listenIps: [], enableTcp: true },
    mediasoup: { numWorkers: 0, logLevel: 'warn', disableLiburing: false, maxIncomingBitrate: 1_500_000 },
    sessions: { maxPeers: 16, idleMinutes: 12 * 60, inviteTtlMinutes: 24 * 60 },
    adminKey: '',
    clientDir: fileURLToPath(new URL('../../../client/dist', import.meta.url)),
    logLevel: 'info',
  };
}

const check = TypeCompiler.Compile(ConfigSchema);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merges one level of sections (config is two levels deep by design). */
function merge(base: Config, over: ConfigOverrides): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? { ...current, ...value } : value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** defaults -> each override layer in order -> validate (unknown keys rejected) -> freeze. */
export function loadConfig(...layers: ConfigOverrides[]): Readonly<Config> {
  let merged: Record<string, unknown> = defaultConfig();
  for (const layer of layers) merged = merge(merged as Config, layer);
  if (!check.Check(merged)) {
    const problems = [...check.Errors(merged)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return deepFreeze(merged);
}
