import type { ConfigOverrides } from './schema.js';
import { readFileSync } from 'node:fs';
import { ConfigError } from './loadConfig.js';
import { secretOf } from './secrets.js';

/** The only place that reads process.env. Every variable is optional. */
export const ENV_VARS = {
  HEARTH_HOST: 'HTTP listen address',
  PORT: 'HTTP port',
  HEARTH_RTC_PORT: 'UDP and TCP port for all media',
  HEARTH_RTC_LISTEN_IPS: 'comma-separated local addresses for media (default: all IPv4 addresses)',
  HEARTH_ANNOUNCED_ADDRESS: 'public IP or host name to announce for media (behind NAT)',
  HEARTH_WORKERS: 'mediasoup workers (default: one per core)',
  HEARTH_LOG_LEVEL: 'fatal | error | warn | info | debug | silent',
  HEARTH_CLIENT_DIR: 'directory of the built client to serve',
  HEARTH_ADMIN_KEY: 'facilitator credential for creating sessions (32+ printable characters; default: random per start)',
  HEARTH_ADMIN_KEY_FILE: 'a file holding the facilitator credential (trimmed), instead of HEARTH_ADMIN_KEY',
  HEARTH_CONFIG: 'a JSON file with any part of the configuration schema (environment variables override it)',
  HEARTH_METRICS_TOKEN: 'bearer token for GET /metrics (32+ printable characters; default: no /metrics)',
  HEARTH_METRICS_TOKEN_FILE: 'a file holding the /metrics token (trimmed), instead of HEARTH_METRICS_TOKEN',
  HEARTH_TURN_URLS: 'comma-separated turn:/turns: URIs of your TURN server (default: no TURN)',
  HEARTH_TURN_SECRET: 'the secret shared with the TURN server (coturn static-auth-secret; 32+ printable characters)',
  HEARTH_TURN_SECRET_FILE: 'a file holding the TURN secret (trimmed), instead of HEARTH_TURN_SECRET',
  HEARTH_REDIS_URL: 'scale-out: redis:// URL of the shared directory (with HEARTH_NODE_ID; default: one node, no Redis)',
  HEARTH_NODE_ID: 'scale-out: this node\'s id (a-z, 0-9, -; at most 32), as the proxy routes /n/<id>/',
  HEARTH_NODE_LIVENESS_SECONDS: 'scale-out: how long this node counts as alive without a refresh (default 10)',
  HEARTH_TRUST_PROXY: 'true behind a reverse proxy (Caddy): client addresses from X-Forwarded-For (default false)',
  HEARTH_CONNECTIONS_PER_ADDRESS: 'most sockets open at once from one address (default 20)',
  HEARTH_CONNECTS_PER_ADDRESS_PER_MINUTE: 'most new sockets per minute from one address (default 60)',
  HEARTH_URL: 'the CLI only: the running server to create sessions on (default http://localhost:8080)',
} as const;

/** What the command-line tool takes from the environment (the server's facilitator key, and where it runs). */
export function cliDefaults(env: NodeJS.ProcessEnv = process.env): { url: string; adminKey: string | undefined } {
  const fromFile = env.HEARTH_ADMIN_KEY_FILE ? secretOf('HEARTH_ADMIN_KEY_FILE', { file: env.HEARTH_ADMIN_KEY_FILE }) : undefined;
  return { url: env.HEARTH_URL || 'http://localhost:8080', adminKey: env.HEARTH_ADMIN_KEY || fromFile };
}

/** The configuration file named by HEARTH_CONFIG (JSON, any part of the schema), or no layer. */
export function configFromFile(env: NodeJS.ProcessEnv = process.env): ConfigOverrides {
  const file = env.HEARTH_CONFIG;
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`HEARTH_CONFIG: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as ConfigOverrides;
  } catch (err) {
    throw new ConfigError(`HEARTH_CONFIG: ${file} is not a JSON object (${(err as Error).message})`);
  }
}

function int(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

function bool(name: string, raw: string): boolean {
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false, got "${raw}"`);
  return raw === 'true';
}

function limitsFromEnv(v: (k: keyof typeof ENV_VARS) => string | undefined): ConfigOverrides['limits'] {
  const concurrent = v('HEARTH_CONNECTIONS_PER_ADDRESS');
  const perMinute = v('HEARTH_CONNECTS_PER_ADDRESS_PER_MINUTE');
  if (!concurrent && !perMinute) return undefined;
  return {
    ...(concurrent ? { connectionsPerAddress: int('HEARTH_CONNECTIONS_PER_ADDRESS', concurrent) } : {}),
    ...(perMinute ? { connectsPerAddressPerMinute: int('HEARTH_CONNECTS_PER_ADDRESS_PER_MINUTE', perMinute) } : {}),
  };
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigOverrides {
  const o: ConfigOverrides = {};
  const v = (k: keyof typeof ENV_VARS) => (env[k] === undefined || env[k] === '' ? undefined : env[k]);
  const http: ConfigOverrides['http'] = {};
  const rtc: ConfigOverrides['rtc'] = {};
  if (v('HEARTH_HOST')) http.host = v('HEARTH_HOST');
  if (v('PORT')) http.port = int('PORT', v('PORT')!);
  if (v('HEARTH_RTC_PORT')) rtc.port = int('HEARTH_RTC_PORT', v('HEARTH_RTC_PORT')!);
  if (v('HEARTH_RTC_LISTEN_IPS')) rtc.listenIps = v('HEARTH_RTC_LISTEN_IPS')!.split(',').map((s) => s.trim());
  if (v('HEARTH_TRUST_PROXY')) http.trustProxy = bool('HEARTH_TRUST_PROXY', v('HEARTH_TRUST_PROXY')!);
  const limits = limitsFromEnv(v);
  if (limits) o.limits = limits;
  if (v('HEARTH_ANNOUNCED_ADDRESS')) rtc.announcedAddress = v('HEARTH_ANNOUNCED_ADDRESS');
  if (Object.keys(http).length) o.http = http;
  if (Object.keys(rtc).length) o.rtc = rtc;
  if (v('HEARTH_WORKERS')) o.mediasoup = { numWorkers: int('HEARTH_WORKERS', v('HEARTH_WORKERS')!) };
  if (v('HEARTH_LOG_LEVEL')) o.logLevel = v('HEARTH_LOG_LEVEL') as ConfigOverrides['logLevel'];
  if (v('HEARTH_CLIENT_DIR') !== undefined) o.clientDir = v('HEARTH_CLIENT_DIR');
  if (v('HEARTH_ADMIN_KEY')) o.adminKey = v('HEARTH_ADMIN_KEY');
  if (v('HEARTH_ADMIN_KEY_FILE')) o.adminKeyFile = v('HEARTH_ADMIN_KEY_FILE');
  if (v('HEARTH_METRICS_TOKEN')) o.metrics = { token: v('HEARTH_METRICS_TOKEN') };
  if (v('HEARTH_METRICS_TOKEN_FILE')) o.metrics = { ...o.metrics, tokenFile: v('HEARTH_METRICS_TOKEN_FILE') };
  if (v('HEARTH_TURN_URLS')) {
    o.turn = {
      urls: v('HEARTH_TURN_URLS')!.split(',').map((s) => s.trim()),
      ...(v('HEARTH_TURN_SECRET') ? { secret: v('HEARTH_TURN_SECRET') } : {}),
      ...(v('HEARTH_TURN_SECRET_FILE') ? { secretFile: v('HEARTH_TURN_SECRET_FILE') } : {}),
    };
  }
  if (v('HEARTH_REDIS_URL') || v('HEARTH_NODE_ID')) {
    const liveness = v('HEARTH_NODE_LIVENESS_SECONDS');
    o.cluster = {
      redisUrl: v('HEARTH_REDIS_URL') ?? '', nodeId: v('HEARTH_NODE_ID') ?? '',
      ...(liveness ? { livenessSeconds: int('HEARTH_NODE_LIVENESS_SECONDS', liveness) } : {}),
    };
  }
  return o;
}
