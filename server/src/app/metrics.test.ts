import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/loadConfig.js';
import { configFromEnv } from '../config/env.js';
import { bearerMatches, metricsToken } from './metrics.js';

const TOKEN = 'a-metrics-token-of-thirty-two-chars-at-least';

describe('bearerMatches', () => {
  it('takes exactly `Bearer <token>`', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    for (const h of [undefined, '', 'Bearer', 'Bearer ', TOKEN, `bearer ${TOKEN}`, `Basic ${TOKEN}`, `Bearer ${TOKEN} `,
      `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Bearer ${TOKEN.toUpperCase()}`]) {
      expect(bearerMatches(h, TOKEN), String(h)).toBe(false);
    }
  });
});

describe('metricsToken', () => {
  it('none configured: no /metrics', () => {
    expect(metricsToken(loadConfig())).toBeUndefined();
    expect(metricsToken(loadConfig({ metrics: {} }))).toBeUndefined();
  });

  it('from the config or the environment; a short token is refused without being quoted', () => {
    expect(metricsToken(loadConfig({ metrics: { token: TOKEN } }))).toBe(TOKEN);
    expect(metricsToken(loadConfig(configFromEnv({ HEARTH_METRICS_TOKEN: TOKEN })))).toBe(TOKEN);
    expect(() => loadConfig({ metrics: { token: 'short-secret' } })).toThrow('/metrics/token');
    expect(() => loadConfig({ metrics: { token: 'short-secret' } })).not.toThrow(/short-secret/);
    expect(() => loadConfig({ metrics: { token: TOKEN, other: 1 } } as never)).toThrow(ConfigError);
  });

  it('from a file, trimmed; an unreadable or bad file stops the start, quoting nothing of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-metrics-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, `\n ${TOKEN} \n`);
      expect(metricsToken(loadConfig({ metrics: { tokenFile: file } }))).toBe(TOKEN);
      expect(metricsToken(loadConfig(configFromEnv({ HEARTH_METRICS_TOKEN_FILE: file })))).toBe(TOKEN);
      writeFileSync(file, 'too-short-secret\n');
      expect(() => metricsToken(loadConfig({ metrics: { tokenFile: file } }))).toThrow(ConfigError);
      expect(() => metricsToken(loadConfig({ metrics: { tokenFile: file } }))).not.toThrow(/too-short-secret/);
      expect(() => metricsToken(loadConfig({ metrics: { tokenFile: join(dir, 'none') } }))).toThrow('ENOENT');
      expect(() => metricsToken(loadConfig({ metrics: { token: TOKEN, tokenFile: file } }))).toThrow('not both');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
