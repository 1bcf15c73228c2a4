import { afterEach, describe, expect, it, vi } from 'vitest';
import { WHERE_EVERY_MS, locateSession, locatedSocket, watchForLoss, type Located } from './locate.js';
import type { SignalingSocket } from './SignalingClient.js';

const answer = (status: number, body: unknown) => (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;

describe('where the session lives', () => {
  it('reads the socket path, 404 and 410; anything else is unknown', async () => {
    expect(await locateSession('s1', answer(200, { ok: true, socketPath: '/n/node-b/socket.io' }))).toEqual({ kind: 'found', socketPath: '/n/node-b/socket.io' });
    expect(await locateSession('s1', answer(200, { ok: true, socketPath: '/socket.io' }))).toEqual({ kind: 'found', socketPath: '/socket.io' });
    expect(await locateSession('s1', answer(410, { ok: false, code: 'SESSION_LOST' }))).toEqual({ kind: 'gone', code: 'SESSION_LOST' });
    expect(await locateSession('s1', answer(404, { ok: false, code: 'SESSION_NOT_FOUND' }))).toEqual({ kind: 'gone', code: 'SESSION_NOT_FOUND' });
    // A path we would not follow (elsewhere, or not a socket path), a server error, no network: unknown.
    expect(await locateSession('s1', answer(200, { ok: true, socketPath: 'https://elsewhere.example/socket.io' }))).toEqual({ kind: 'unknown' });
    expect(await locateSession('s1', answer(502, {}))).toEqual({ kind: 'unknown', transient: true });
    expect(await locateSession('s1', (async () => { throw new TypeError('offline'); }) as unknown as typeof fetch)).toEqual({ kind: 'unknown', transient: true });
    const html = (async () => new Response('<!doctype html>', { status: 200 })) as unknown as typeof fetch;
    expect(await locateSession('s1', html)).toEqual({ kind: 'unknown' });
  });
});

function fakeSocket() {
  const on: string[] = [];
  const sent: unknown[] = [];
  const socket = {
    on: (event: string) => void on.push(event),
    timeout: () => ({ emitWithAck: async (name: string, payload: unknown) => (sent.push([name, payload]), { ok: true, data: {} }) }),
    disconnect: () => undefined,
  };
  return { socket: socket as unknown as SignalingSocket, on, sent };
}

type Emitter = { emitWithAck(e: string, p: unknown): Promise<unknown> };
const ask = (s: SignalingSocket, name: string) => (s.timeout(1000) as unknown as Emitter).emitWithAck(name, { x: 1 });

describe('a socket opened where the session lives', () => {
  it('opens at the located path, with the handlers given before, and sends the requests made before', async () => {
    const fake = fakeSocket();
    const paths: string[] = [];
    const s = locatedSocket('s1', async () => ({ kind: 'found', socketPath: '/n/a/socket.io' }), (p) => (paths.push(p), fake.socket));
    s.on('connect', () => undefined);
    expect(await ask(s, 'session.claim')).toEqual({ ok: true, data: {} });
    expect(paths).toEqual(['/n/a/socket.io']);
    expect(fake.on).toEqual(['connect']);
    expect(fake.sent).toEqual([['session.claim', { x: 1 }]]);
  });

  it('a session that is gone answers every request with its code and opens nothing; unknown tries /socket.io', async () => {
    const opened: string[] = [];
    const open = (p: string) => (opened.push(p), fakeSocket().socket);
    const gone = locatedSocket('s1', async () => ({ kind: 'gone', code: 'SESSION_LOST' }), open);
    expect(await ask(gone, 'session.claim')).toEqual({ ok: false, code: 'SESSION_LOST' });
    expect(opened).toEqual([]);
    await ask(locatedSocket('s1', async () => ({ kind: 'unknown' }), open), 'session.claim');
    expect(opened).toEqual(['/socket.io']);
  });

  it('asks again after a transient failure (at most 4 times, 1 s apart) before it opens', async () => {
    vi.useFakeTimers();
    const answers: Located[] = [{ kind: 'unknown', transient: true }, { kind: 'unknown', transient: true }, { kind: 'found', socketPath: '/n/b/socket.io' }];
    let asked = 0;
    const opened: string[] = [];
    const s = locatedSocket('s1', async () => answers[asked++]!, (p) => (opened.push(p), fakeSocket().socket));
    const answer = ask(s, 'session.claim');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await answer).toEqual({ ok: true, data: {} });
    expect([asked, opened]).toEqual([3, ['/n/b/socket.io']]);
    let tries = 0;
    const never = locatedSocket('s1', async () => (tries++, { kind: 'unknown', transient: true }), (p) => (opened.push(p), fakeSocket().socket));
    const fallback = ask(never, 'session.claim');
    await vi.advanceTimersByTimeAsync(10_000);
    await fallback;
    expect([tries, opened.at(-1)]).toEqual([4, '/socket.io']);
    vi.useRealTimers();
  });
});

describe('while reconnecting', () => {
  afterEach(() => void vi.useRealTimers());

  it('says the session is lost only on a 410, once, and not after it was stopped', async () => {
    vi.useFakeTimers();
    const answers: Located[] = [{ kind: 'unknown' }, { kind: 'gone', code: 'SESSION_NOT_FOUND' }, { kind: 'found', socketPath: '/socket.io' }, { kind: 'gone', code: 'SESSION_LOST' }];
    let asked = 0;
    const lost = vi.fn();
    watchForLoss('s1', lost, async () => answers[Math.min(asked++, answers.length - 1)]!);
    for (let i = 0; i < 3; i++) await vi.advanceTimersByTimeAsync(WHERE_EVERY_MS);
    expect(lost).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(WHERE_EVERY_MS);
    expect(lost).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(WHERE_EVERY_MS * 3);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(asked).toBe(4);

    const stopped = vi.fn();
    const stop = watchForLoss('s1', stopped, async () => ({ kind: 'gone', code: 'SESSION_LOST' }));
    stop();
    await vi.advanceTimersByTimeAsync(WHERE_EVERY_MS * 3);
    expect(stopped).not.toHaveBeenCalled();
  });
});
