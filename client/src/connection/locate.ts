import { PROTOCOL_VERSION, type ErrorCode } from '@hearth/shared';
import { io } from 'socket.io-client';
import { RECONNECT, type SignalingSocket } from './SignalingClient.js';

// Where a session's socket lives (server: cluster/locate.ts). One server: /socket.io. Several behind a proxy: the
// socket path of the node that holds the session (/n/<node>/socket.io), which the proxy routes to it.

/** `unknown` with `transient`: no answer at all, or the server's error (worth asking again in a moment). */
export type Located =
  | { kind: 'found'; socketPath: string } | { kind: 'gone'; code: ErrorCode } | { kind: 'unknown'; transient?: true };

const DEFAULT_PATH = '/socket.io';
/** A socket path we accept from the server: ours, or a node's under /n/. */
const SOCKET_PATH = /^(\/n\/[a-z0-9-]{1,32})?\/socket\.io$/;

/**
 * GET /api/sessions/<id>/where. `gone`: the server says the session is over (404) or ended with the server it ran
 * on (410, SESSION_LOST). `unknown`: no answer we can read (offline, an older server): the caller decides.
 */
export async function locateSession(sessionId: string, get: typeof fetch = fetch): Promise<Located> {
  try {
    const res = await get(`/api/sessions/${encodeURIComponent(sessionId)}/where`, { cache: 'no-store' });
    if (res.status >= 500) return { kind: 'unknown', transient: true };
    const body = (await res.json()) as { ok?: boolean; socketPath?: unknown; code?: unknown };
    if (res.ok && typeof body.socketPath === 'string' && SOCKET_PATH.test(body.socketPath)) return { kind: 'found', socketPath: body.socketPath };
    if (res.status === 410) return { kind: 'gone', code: 'SESSION_LOST' };
    if (res.status === 404) return { kind: 'gone', code: 'SESSION_NOT_FOUND' };
  } catch (error) {
    // Offline (fetch fails: ask again), or not JSON (a development server without the route: one server).
    if (!(error instanceof SyntaxError)) return { kind: 'unknown', transient: true };
  }
  return { kind: 'unknown' };
}

/** The socket.io client at a path, with the project's reconnect policy. */
export const socketAt = (path: string): SignalingSocket =>
  io('/', {
    path,
    auth: { protocolVersion: PROTOCOL_VERSION },
    reconnection: true,
    ...RECONNECT,
    transports: ['websocket', 'polling'],
  });

type Handler = (...args: never[]) => void;

/** Tries, and after a transient failure (a node or the directory restarting, a cut) asks again: 4 tries, 1 s apart. */
async function locateSoon(sessionId: string, locate: typeof locateSession): Promise<Located> {
  let where = await locate(sessionId);
  for (let i = 1; i < 4 && where.kind === 'unknown' && where.transient; i++) {
    await new Promise((r) => setTimeout(r, 1_000));
    where = await locate(sessionId);
  }
  return where;
}

/**
 * A socket opened once the session is located: handlers given before are attached then, and requests wait for it.
 * If the session is gone, every request is answered with its code (the pre-join screen then says so); if nobody
 * could say where it is, the default path is tried (one server).
 */
export function locatedSocket(sessionId: string, locate = locateSession, open = socketAt): SignalingSocket {
  const handlers: [string, Handler][] = [];
  let real: SignalingSocket | undefined;
  let closed = false;
  let goneCode: ErrorCode = 'SESSION_NOT_FOUND';
  const ready: Promise<SignalingSocket | undefined> = locateSoon(sessionId, locate).then((where) => {
    if (closed) return undefined;
    if (where.kind === 'gone') {
      goneCode = where.code;
      return undefined;
    }
    const s = open(where.kind === 'found' ? where.socketPath : DEFAULT_PATH);
    for (const [event, h] of handlers) s.on(event as never, h as never);
    real = s;
    return s;
  });
  const deferred = {
    on(event: string, h: Handler) {
      if (real) real.on(event as never, h as never);
      else handlers.push([event, h]);
      return deferred;
    },
    timeout(ms: number) {
      return {
        emitWithAck: async (event: string, payload: unknown) => {
          const s = await ready;
          if (!s) return { ok: false, code: goneCode };
          const timed = s.timeout(ms) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> };
          return timed.emitWithAck(event, payload);
        },
      };
    },
    disconnect() {
      closed = true;
      real?.disconnect();
      return deferred;
    },
  };
  return deferred as unknown as SignalingSocket;
}

/** While the link is down: the interval of where lookups (the first after one interval: a reconnect usually wins). */
export const WHERE_EVERY_MS = 3_000;

/**
 * While reconnecting fails, asks every few seconds where the session is: if it ended with its server (410), calls
 * `lost` once. Any other answer (none, not found, found) leaves the reconnect and the grace period to decide, as on
 * a single server. Returns the stop.
 */
export function watchForLoss(sessionId: string, lost: () => void, locate = locateSession): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    void locate(sessionId).then((where) => {
      if (stopped || where.kind !== 'gone' || where.code !== 'SESSION_LOST') return;
      stop();
      lost();
    });
  }, WHERE_EVERY_MS);
  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}
