import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Server, Socket } from 'socket.io';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import {
  CLIENT_REQUEST_NAMES, ClientRequests, ErrorCode, HearthError, PROTOCOL_VERSION, authorize,
  type Ack, type ClientRequestName, type ClientToServerEvents, type ServerToClientEvents,
} from '@hearth/shared';
import type { PeerOutbox } from '../room/ports.js';
import type { SessionRegistry } from '../room/SessionRegistry.js';
import type { TokenService } from '../auth/TokenService.js';
import { Connection } from './Connection.js';
import { RateLimiter } from './RateLimiter.js';
import { HANDLERS } from './handlers/index.js';
import { dropSession, leaveSession } from './handlers/session.js';
import type { HandlerContext } from './handlers/types.js';

type HearthSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

const validators = Object.fromEntries(
  CLIENT_REQUEST_NAMES.map((name) => [name, TypeCompiler.Compile(ClientRequests[name].request as TSchema)]),
) as Record<ClientRequestName, TypeCheck<TSchema>>;
const KNOWN = new Set<string>(CLIENT_REQUEST_NAMES);

export interface GatewayOptions {
  sessions: SessionRegistry;
  tokens: TokenService;
  log: FastifyBaseLogger;
  /** Per-socket token bucket: burst and sustained messages per second. */
  rateLimit?: { burst: number; perSecond: number };
  /**
   * Wraps each connection's outbox (tests play a malicious server with it). `who`: the connection's member id,
   * read when called (undefined until it has joined).
   */
  decorateOutbox?: (outbox: PeerOutbox, who: () => string | undefined) => PeerOutbox;
  /** Told the code of every request answered with an error (operator metrics: the code only). */
  onRequestError?: (code: ErrorCode) => void;
}

/** Refuses cross-site WebSocket hijacking: a browser page from another origin may not open a socket. */
export function sameOriginOnly(req: IncomingMessage, callback: (err: string | null, ok: boolean) => void): void {
  const origin = req.headers.origin;
  if (!origin) return callback(null, true); // not a browser (bots, tests)
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    return callback('bad origin', false);
  }
  callback(host === req.headers.host ? null : 'cross-origin', host === req.headers.host);
}

/** Parse -> authorize -> dispatch, for every message of every socket. */
export function attachGateway(io: Server<ClientToServerEvents, ServerToClientEvents>, opts: GatewayOptions): void {
  io.use((socket, next) => {
    const version = (socket.handshake.auth as { protocolVersion?: unknown }).protocolVersion;
    if (version === PROTOCOL_VERSION) return next();
    const err = new Error(ErrorCode.PROTOCOL_VERSION_MISMATCH) as Error & { data: unknown };
    err.data = { code: ErrorCode.PROTOCOL_VERSION_MISMATCH, serverVersion: PROTOCOL_VERSION };
    next(err);
  });
  io.on('connection', (socket: HearthSocket) => serve(socket, opts));
}

function serve(socket: HearthSocket, opts: GatewayOptions): void {
  const conn = new Connection();
  const limiter = new RateLimiter(opts.rateLimit?.burst ?? 60, opts.rateLimit?.perSecond ?? 30);
  const socketOutbox: PeerOutbox = {
    send: (event, payload) => void socket.emit(event, ...([payload] as never)),
    close: (code, message) => {
      socket.emit('session.closing', message ? { code, message } : { code });
      // A moment for the reason (and the ack of the request that caused it) to reach the client first.
      setTimeout(() => socket.disconnect(true), 50).unref();
    },
  };
  const outbox = opts.decorateOutbox ? opts.decorateOutbox(socketOutbox, () => conn.memberId) : socketOutbox;
  const ctx: HandlerContext = {
    conn, sessions: opts.sessions, tokens: opts.tokens, outbox, log: opts.log, isConnected: () => socket.connected,
  };

  // A protocol violation (unknown event, no ack callback) ends the connection: a real client never does it.
  socket.onAny((event: string, ...args: unknown[]) => {
    if (!KNOWN.has(event) || typeof args.at(-1) !== 'function') outbox.close(ErrorCode.BAD_MESSAGE);
  });
  for (const name of CLIENT_REQUEST_NAMES) {
    socket.on(name, ((payload: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return; // handled by onAny above
      void dispatch(ctx, limiter, name, payload).then((result) => {
        if (!result.ok) opts.onRequestError?.(result.code);
        (ack as (r: Ack<unknown>) => void)(result);
      });
    }) as never);
  }
  socket.on('disconnect', (reason) => {
    // The client closed its socket, or we did: a leave. Anything else (ping timeout, transport closed or failed)
    // is a dropped link: the member is away, their seat kept for the grace period.
    const deliberate = reason === 'client namespace disconnect' || reason === 'server namespace disconnect';
    (deliberate ? leaveSession(conn, outbox) : dropSession(conn, outbox))
      .catch((err: unknown) => opts.log.error({ err }, 'leave on disconnect failed'));
  });
}

async function dispatch(
  ctx: HandlerContext, limiter: RateLimiter, name: ClientRequestName, payload: unknown,
): Promise<Ack<unknown>> {
  if (!limiter.take()) return { ok: false, code: ErrorCode.RATE_LIMITED };
  const check = validators[name];
  if (!check.Check(payload)) {
    const first = check.Errors(payload).First();
    return { ok: false, code: ErrorCode.BAD_MESSAGE, message: first ? `${first.path || '/'}: ${first.message}` : undefined };
  }
  const refused = authorize(ctx.conn.standing, ctx.conn.role, name);
  if (refused) return { ok: false, code: refused };
  try {
    const data = await (HANDLERS[name] as (c: HandlerContext, r: unknown) => Promise<unknown>)(ctx, payload);
    return { ok: true, data };
  } catch (error) {
    if (error instanceof HearthError) return { ok: false, code: error.code, message: error.message };
    ctx.log.error({ err: error, request: name }, 'request failed');
    return { ok: false, code: ErrorCode.INTERNAL };
  }
}
