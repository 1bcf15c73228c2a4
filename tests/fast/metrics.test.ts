import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_RTP } from '../support/Bot.js';
import { Circle } from '../support/circle.js';
import { startFastServer, type FastServer } from '../support/server.js';

// Issue 12, item 7: `/metrics` requires the token and contains no names or IP addresses.

const TOKEN = 'metrics-token-for-tests-0123456789abcdef';
const TITLE = 'Tuesday Secret Group';

function scrape(server: FastServer, authorization?: string): Promise<Response> {
  return fetch(`${server.url}/metrics`, authorization ? { headers: { authorization } } : {});
}

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics without a token configured', () => {
  it('does not exist', async () => {
    const server = await startFastServer();
    try {
      expect((await scrape(server)).status).toBe(404);
      expect((await scrape(server, `Bearer ${TOKEN}`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('/metrics with a token', () => {
  let server: FastServer;
  const log: string[] = [];
  beforeAll(async () => {
    const logStream = new Writable({ write: (chunk, _enc, done) => { log.push(String(chunk)); done(); } });
    server = await startFastServer({ metrics: { token: TOKEN }, logLevel: 'debug' }, { logStream });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a scrape without the token or with a wrong one, saying nothing', async () => {
    for (const auth of [undefined, 'Bearer', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, `Basic ${TOKEN}`]) {
      const res = await scrape(server, auth);
      expect(res.status, String(auth)).toBe(401);
      expect(await res.text()).toBe('');
    }
  });

  it('counts sessions, members, media and refused requests, and names no one and no address', async () => {
    const circle = await Circle.open(server, 'clinical', TITLE);
    try {
      const zelda = await circle.member('Zelda Quux');
      const waiting = await circle.waiting('Wilhelmina Waitwell');
      const t = await zelda.bot.ok('media.createTransport', { direction: 'send' });
      await zelda.bot.ok('media.produce', { transportId: t.id, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio });
      // A member trying a facilitator's action: refused, and counted by its code.
      const refused = await zelda.bot.request('facilitator.admit', { peerId: waiting.selfId });
      expect(refused).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });

      const res = await scrape(server, `Bearer ${TOKEN}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const body = await res.text();
      expect(sample(body, 'hearth_sessions')).toBe(1);
      expect(sample(body, 'hearth_members{standing="seated"}')).toBe(2);
      expect(sample(body, 'hearth_members{standing="waiting"}')).toBe(1);
      expect(sample(body, 'hearth_members{standing="away"}')).toBe(0);
      expect(sample(body, 'hearth_media_transports')).toBe(1);
      expect(sample(body, 'hearth_media_producers')).toBe(1);
      expect(sample(body, 'hearth_media_consumers')).toBeGreaterThanOrEqual(0);
      expect(sample(body, 'hearth_producer_bitrate_bits_per_second')).toBe(0); // the in-memory media sends no RTP
      expect(sample(body, 'hearth_request_errors_total{code="NOT_ALLOWED"}')).toBe(1);
      expect(sample(body, 'process_cpu_user_seconds_total')).toBeGreaterThan(0); // default process metrics

      for (const secret of [
        'Zelda', 'Quux', 'Wilhelmina', 'Fay', TITLE, 'Tuesday', circle.session.sessionId, circle.facilitator.selfId,
        zelda.selfId, waiting.selfId, zelda.deviceId, circle.session.member.token, TOKEN,
      ]) expect(body, 'metrics name nothing').not.toContain(secret);
      expect(body).not.toMatch(/\b\d{1,3}(\.\d{1,3}){3}\b/);
      expect(body).not.toMatch(/\[?[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}\]?/i); // IPv6 (::1, fe80::…)
      expect(body).not.toContain('127.0.0.1');
      expect(body).not.toContain('::1');
      expect(body).not.toContain('localhost');
      expect(log.join('')).not.toContain(TOKEN);
    } finally {
      circle.close();
    }
  });
});

describe('/metrics with a token file', () => {
  it('reads the token once, trimmed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-metrics-'));
    const file = join(dir, 'token');
    writeFileSync(file, `  ${TOKEN}\n`);
    const server = await startFastServer({ metrics: { tokenFile: file } });
    try {
      expect((await scrape(server, `Bearer ${TOKEN}`)).status).toBe(200);
      expect((await scrape(server, `Bearer   ${TOKEN}\n`)).status).toBe(401);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true });
    }
  });
});
