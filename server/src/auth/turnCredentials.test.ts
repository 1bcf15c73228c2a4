import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/loadConfig.js';
import { DEFAULT_TURN_TTL_SECONDS, mintTurnCredentials, turnSettings } from './turnCredentials.js';

const SECRET = 'a-turn-secret-shared-with-coturn-0123456789';
const DEFAULT_CONFIG = defaultConfig();
const settings = { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: SECRET, ttlSeconds: 600 };

describe('TURN credentials (TURN REST convention, as coturn use-auth-secret checks them)', () => {
  it('username is the expiry time and a random part; the password is base64(HMAC-SHA1(secret, username))', () => {
    const now = Date.UTC(2026, 10, 23, 20, 0, 0);
    const c = mintTurnCredentials(settings, now);
    const [expiry, random] = c.username.split(':');
    expect(Number(expiry)).toBe(now / 1000 + 600);
    expect(random).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(c.credential).toBe(createHmac('sha1', SECRET).update(c.username).digest('base64'));
    expect(c.urls).toEqual(settings.urls);
    expect(JSON.stringify(c)).not.toContain(SECRET);
  });

  it('every credential is new: two members never share one', () => {
    expect(mintTurnCredentials(settings).username).not.toBe(mintTurnCredentials(settings).username);
  });

  it('settings: none without a turn section; the secret from the config or its file (trimmed); never both, never none', () => {
    expect(turnSettings(DEFAULT_CONFIG)).toBeUndefined();
    const urls = ['turns:turn.example.org:443?transport=tcp'];
    expect(turnSettings({ ...DEFAULT_CONFIG, turn: { urls, secret: SECRET } })).toEqual({ urls, secret: SECRET, ttlSeconds: DEFAULT_TURN_TTL_SECONDS });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'turn-')), 'secret');
    fs.writeFileSync(file, `  ${SECRET}\n`);
    expect(turnSettings({ ...DEFAULT_CONFIG, turn: { urls, secretFile: file, ttlSeconds: 900 } })?.secret).toBe(SECRET);
    expect(() => turnSettings({ ...DEFAULT_CONFIG, turn: { urls, secret: SECRET, secretFile: file } })).toThrow(/not both/);
    expect(() => turnSettings({ ...DEFAULT_CONFIG, turn: { urls } })).toThrow(/secret/);
    fs.writeFileSync(file, 'short');
    let message = '';
    try {
      turnSettings({ ...DEFAULT_CONFIG, turn: { urls, secretFile: file } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/32-256 printable/);
    expect(message).not.toContain('short');
  });
});
