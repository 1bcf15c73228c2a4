import { createHmac, randomBytes } from 'node:crypto';
import type { IceServer } from '@hearth/shared';
import { ConfigError } from '../config/loadConfig.js';
import type { Config } from '../config/schema.js';
import { secretOf } from '../config/secrets.js';

export interface TurnSettings {
  urls: string[];
  /** Shared with coturn (`static-auth-secret`): never sent to a browser. */
  secret: string;
  ttlSeconds: number;
}

/** Four hours: a 90-minute session and then some (coturn checks the expiry again on every allocation refresh). */
export const DEFAULT_TURN_TTL_SECONDS = 4 * 60 * 60;

/**
 * Short-lived TURN credentials by the TURN REST convention that coturn implements (`use-auth-secret`): the username
 * is `<expiry unix time>:<random>`, the password base64(HMAC-SHA1(secret, username)). The random part names nobody:
 * coturn logs usernames, and a member's name or id must not end up in its logs.
 */
export function mintTurnCredentials(t: TurnSettings, nowMs: number = Date.now()): IceServer {
  const expiry = Math.floor(nowMs / 1000) + t.ttlSeconds;
  const username = `${expiry}:${randomBytes(9).toString('base64url')}`;
  const credential = createHmac('sha1', t.secret).update(username).digest('base64');
  return { urls: [...t.urls], username, credential };
}

/** The TURN settings in force, with the secret read (from the config or its file); undefined when no TURN is set. */
export function turnSettings(config: Readonly<Config>): TurnSettings | undefined {
  const t = config.turn;
  if (!t) return undefined;
  const secret = secretOf('turn.secret', { value: t.secret, file: t.secretFile });
  if (!secret) throw new ConfigError('turn: a secret (or secretFile) shared with the TURN server is required');
  return { urls: t.urls, secret, ttlSeconds: t.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS };
}
