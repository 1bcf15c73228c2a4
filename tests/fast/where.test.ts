import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSession } from '../support/circle.js';
import { startFastServer, type FastServer } from '../support/server.js';

// GET /api/sessions/:id/where on a single node (no cluster config): the session is here, at /socket.io, or nowhere;
// and the Redis client is never even loaded (the single-node mode stays free of Redis).

const redisLoaded = vi.hoisted(() => ({ value: false }));
vi.mock('@redis/client', () => {
  redisLoaded.value = true;
  return {};
});

let server: FastServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const where = async (s: FastServer, id: string) => {
  const res = await fetch(`${s.url}/api/sessions/${id}/where`);
  return { status: res.status, body: (await res.json()) as unknown, cache: res.headers.get('cache-control') };
};

describe('where a session lives, on a single node', () => {
  it('a session it holds is at /socket.io; an unknown or ended one is not found; Redis is never loaded', async () => {
    server = await startFastServer();
    const s = await createSession(server);
    expect(await where(server, s.sessionId)).toEqual({ status: 200, body: { ok: true, socketPath: '/socket.io' }, cache: 'no-store' });
    const unknown = 'A'.repeat(22);
    expect(await where(server, unknown)).toMatchObject({ status: 404, body: { ok: false, code: 'SESSION_NOT_FOUND' } });
    expect(await where(server, 'not-an-id')).toMatchObject({ status: 404, body: { ok: false, code: 'SESSION_NOT_FOUND' } });
    await server.app.sessions.end(server.app.sessions.get(s.sessionId)!);
    expect(await where(server, s.sessionId)).toMatchObject({ status: 404, body: { ok: false, code: 'SESSION_NOT_FOUND' } });
    expect(redisLoaded.value).toBe(false);
  });
});
