import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION } from '@hearth/shared';
import { startFastServer, type FastServer } from '../support/server.js';

// Issue 13: per-address connection limits at the socket.io handshake. Loopback has all of 127.0.0.0/8, so client
// sockets bound to distinct local addresses stand for distinct people.

let server: FastServer | undefined;
const open: Socket[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await server?.close();
  server = undefined;
});

type Outcome = { ok: true } | { ok: false; code: unknown };

/** One socket from `localAddress` (and an X-Forwarded-For header, if given): connected, or the refusal's code. */
function connect(localAddress: string, forwardedFor?: string): Promise<Outcome> {
  const socket = io(server!.url, {
    transports: ['websocket'], reconnection: false, forceNew: true, auth: { protocolVersion: PROTOCOL_VERSION },
    agent: new http.Agent({ localAddress }) as never,
    ...(forwardedFor ? { extraHeaders: { 'x-forwarded-for': forwardedFor } } : {}),
  });
  open.push(socket);
  return new Promise((resolve) => {
    socket.on('connect', () => resolve({ ok: true }));
    socket.on('connect_error', (err) => resolve({ ok: false, code: (err as Error & { data?: { code?: unknown } }).data?.code }));
  });
}

async function connectMany(n: number, localAddress: string, forwardedFor?: string): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let i = 0; i < n; i++) out.push(await connect(localAddress, forwardedFor));
  return out;
}

describe('per-address connection limits', () => {
  it('caps the sockets open at once from one address; another address is not affected; a closed one frees its slot', async () => {
    server = await startFastServer({ limits: { connectionsPerAddress: 3, connectsPerAddressPerMinute: 100 } });
    expect(await connectMany(3, '127.0.0.2')).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(await connect('127.0.0.2')).toEqual({ ok: false, code: 'RATE_LIMITED' });
    expect(await connectMany(3, '127.0.0.3')).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    open[0]!.close();
    let back: Outcome = { ok: false, code: 'not tried' };
    for (let i = 0; i < 50 && !back.ok; i++) {
      await new Promise((r) => setTimeout(r, 50));
      back = await connect('127.0.0.2');
    }
    expect(back).toEqual({ ok: true });
  });

  it('caps new sockets per minute from one address, even when each is closed again', async () => {
    server = await startFastServer({ limits: { connectionsPerAddress: 100, connectsPerAddressPerMinute: 4 } });
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(await connect('127.0.0.4'));
      open.at(-1)!.close();
    }
    expect(outcomes.slice(0, 4)).toEqual(Array(4).fill({ ok: true }));
    expect(outcomes[4]).toEqual({ ok: false, code: 'RATE_LIMITED' });
    expect(await connect('127.0.0.5')).toEqual({ ok: true });
  });

  it('ignores X-Forwarded-For unless trustProxy is set', async () => {
    server = await startFastServer({ limits: { connectionsPerAddress: 2, connectsPerAddressPerMinute: 100 } });
    expect(await connect('127.0.0.6', '10.0.0.1')).toEqual({ ok: true });
    expect(await connect('127.0.0.6', '10.0.0.2')).toEqual({ ok: true });
    expect(await connect('127.0.0.6', '10.0.0.3')).toEqual({ ok: false, code: 'RATE_LIMITED' });
  });

  it('behind a trusted proxy, limits by the last X-Forwarded-For entry (the one the proxy wrote)', async () => {
    server = await startFastServer({
      http: { host: '127.0.0.1', port: 0, trustProxy: true },
      limits: { connectionsPerAddress: 2, connectsPerAddressPerMinute: 100 },
    });
    expect(await connectMany(2, '127.0.0.7', '10.0.0.1')).toEqual([{ ok: true }, { ok: true }]);
    // A client cannot dodge it by prepending addresses of its own: the proxy appends the real one last.
    expect(await connect('127.0.0.7', '192.0.2.9, 10.0.0.1')).toEqual({ ok: false, code: 'RATE_LIMITED' });
    expect(await connect('127.0.0.7', '10.0.0.2')).toEqual({ ok: true });
  });
});
