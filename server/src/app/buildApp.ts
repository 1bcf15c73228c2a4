import fs from 'node:fs';
import path from 'node:path';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { Server } from 'socket.io';
import { MAX_MESSAGE_BYTES, type ClientToServerEvents, type ServerToClientEvents } from '@hearth/shared';
import { sodiumReady } from '@hearth/shared/crypto';
import type { Config } from '../config/schema.js';
import { WorkerPool } from '../media/WorkerPool.js';
import { MediaRoom } from '../media/MediaRoom.js';
import { randomBytes } from 'node:crypto';
import { TokenService } from '../auth/TokenService.js';
import { SessionRegistry } from '../room/SessionRegistry.js';
import type { RoomMedia, RoomMediaFactory } from '../room/ports.js';
import { registerSessionRoutes } from './sessionRoutes.js';
import { attachGateway, sameOriginOnly, type GatewayOptions } from '../signaling/gateway.js';
import { loggerOptions } from './logger.js';

export interface HearthApp {
  fastify: FastifyInstance;
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  sessions: SessionRegistry;
  tokens: TokenService;
  workers: WorkerPool;
  config: Readonly<Config>;
  /** The facilitator credential in force (the configured one, or the one made for this run). */
  adminKey: string;
}

export interface BuildOptions {
  rateLimit?: GatewayOptions['rateLimit'];
  /** Where log lines go (tests read them to check that nothing private is logged). Default: stdout. */
  logStream?: NodeJS.WritableStream;
  /**
   * Makes each session's media instead of mediasoup (tests: an in-memory port). When set, no worker is started:
   * /healthz reports 0 workers and no worker can die.
   */
  media?: RoomMediaFactory;
  /** Wraps each session's media, whichever made it (tests: a server that misbehaves at the SFU). */
  decorateMedia?: (media: RoomMedia) => RoomMedia;
  /** Wraps each connection's outbox (tests: a server that alters what it relays). See GatewayOptions. */
  decorateOutbox?: GatewayOptions['decorateOutbox'];
}

/** Builds the whole server in-process (tests call this; main.ts only adds listen and signals). */
export async function buildApp(config: Readonly<Config>, opts: BuildOptions = {}): Promise<HearthApp> {
  // Member ids, certificates and revocations are checked with libsodium (shared/src/crypto/membership.ts).
  await sodiumReady();
  const fastify = Fastify({
    logger: loggerOptions(config, opts.logStream),
    // No per-request log lines: URLs carry group ids.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const workers = opts.media ? WorkerPool.idle(config, fastify.log) : await WorkerPool.start(config, fastify.log);
  const tokens = await TokenService.create();
  const adminKey = config.adminKey || randomBytes(24).toString('base64url');
  const makeMedia: RoomMediaFactory = opts.media ?? (async (events) => MediaRoom.create(workers.pick(), config, events));
  const decorate = opts.decorateMedia;
  const createMedia: RoomMediaFactory = decorate ? async (events) => decorate(await makeMedia(events)) : makeMedia;
  const sessions = new SessionRegistry(createMedia, {
    maxPeers: config.sessions.maxPeers,
    maxWaiting: config.sessions.maxWaiting ?? config.sessions.maxPeers,
    idleMs: config.sessions.idleMinutes * 60_000,
  });
  workers.onWorkerDied((slot) => sessions.endSessionsOnWorker(slot.index));

  const io = new Server<ClientToServerEvents, ServerToClientEvents>(fastify.server, {
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    allowRequest: sameOriginOnly,
    serveClient: false,
  });
  attachGateway(io, { sessions, tokens, log: fastify.log, rateLimit: opts.rateLimit, decorateOutbox: opts.decorateOutbox });
  registerSessionRoutes(fastify, {
    adminKey, sessions, tokens, maxPeers: config.sessions.maxPeers, inviteTtlMinutes: config.sessions.inviteTtlMinutes,
  });

  fastify.get('/healthz', async () => ({ ok: true, workers: workers.workers().length }));
  registerClient(fastify, config.clientDir);

  fastify.addHook('onClose', async () => {
    sessions.closeAll();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    workers.close();
  });
  return { fastify, io, sessions, tokens, workers, config, adminKey };
}

/** Serves the built client; every session link (/s/<id>) and the host page get the single-page app. */
function registerClient(fastify: FastifyInstance, clientDir: string): void {
  if (!clientDir) return;
  const index = path.join(clientDir, 'index.html');
  if (!fs.existsSync(index)) {
    fastify.log.warn('client build not found; run the build before starting');
    return;
  }
  void fastify.register(fastifyStatic, { root: clientDir, index: 'index.html' });
  // The single-page app's routes: a session link, and the facilitator's page.
  fastify.get('/s/:sessionId', (_req, reply) => reply.sendFile('index.html'));
  fastify.get('/host', (_req, reply) => reply.sendFile('index.html'));
  fastify.addHook('onSend', async (_req, reply, payload) => {
    // No third party may be contacted by the page, and no page may frame it.
    reply.header('Content-Security-Policy', CSP);
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Permissions-Policy', 'camera=(self), microphone=(self), geolocation=()');
    return payload;
  });
}

const CSP = [
  "default-src 'self'",
  // WebAssembly (libsodium) needs wasm-unsafe-eval; it does not allow eval() of JavaScript.
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
