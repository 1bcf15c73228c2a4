import Fastify, { LogController, type FastifyInstance } from 'fastify';
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
import { registerClient } from './clientFiles.js';
import { AddressLimits, addressLimitMiddleware } from '../signaling/AddressLimits.js';
import { attachGateway, sameOriginOnly, type GatewayOptions } from '../signaling/gateway.js';
import { loggerOptions } from './logger.js';
import { HearthMetrics, metricsToken, registerMetrics } from './metrics.js';
import { mintTurnCredentials, turnSettings } from '../auth/turnCredentials.js';
import { localLocator, registerWhereRoute, SINGLE_NODE_SOCKET_PATH, startDirectory } from '../cluster/locate.js';
import { secretOf } from '../config/secrets.js';

export interface HearthApp {
  fastify: FastifyInstance;
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  sessions: SessionRegistry;
  tokens: TokenService;
  workers: WorkerPool;
  config: Readonly<Config>;
  /** The facilitator credential in force (the configured one, or the one made for this run). */
  adminKey: string;
  /** Whether the operator gave the key (config, environment, file) or it was made for this run. */
  adminKeyMadeHere: boolean;
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
  // Operator metrics only when a token is configured: otherwise /metrics does not exist (404). Read first: a bad
  // token file stops the start before any worker runs.
  const token = metricsToken(config);
  const turn = turnSettings(config);
  const givenKey = secretOf('adminKey', { value: config.adminKey || undefined, file: config.adminKeyFile });
  const fastify = Fastify({
    logger: loggerOptions(config, opts.logStream),
    // No per-request log lines: URLs carry group ids.
    logController: new LogController({ disableRequestLogging: true }),
    // Behind Caddy: the client is the last X-Forwarded-For hop (as for the socket limits, AddressLimits.ts).
    ...(config.http.trustProxy ? { trustProxy: (_address: string, hop: number) => hop === 0 } : {}),
  });
  // Scale-out only (docs/scale-out.md): the shared directory, before any worker runs (an unusable Redis stops the start).
  const directory = config.cluster ? await startDirectory(config.cluster, fastify.log) : undefined;
  const workers = opts.media ? WorkerPool.idle(config, fastify.log) : await WorkerPool.start(config, fastify.log);
  const tokens = await TokenService.create();
  const adminKey = givenKey ?? randomBytes(24).toString('base64url');
  const makeMedia: RoomMediaFactory = opts.media ?? (async (events) => MediaRoom.create(await workers.acquire(), config, events));
  const decorate = opts.decorateMedia;
  const createMedia: RoomMediaFactory = decorate ? async (events) => decorate(await makeMedia(events)) : makeMedia;
  const sessions = new SessionRegistry(createMedia, {
    maxPeers: config.sessions.maxPeers,
    maxWaiting: config.sessions.maxWaiting ?? config.sessions.maxPeers,
    idleMs: config.sessions.idleMinutes * 60_000,
    reconnectGraceMs: (config.sessions.reconnectGraceSeconds ?? 60) * 1000,
    ...(turn ? { iceServers: () => [mintTurnCredentials(turn)] } : {}),
    ...(directory ? { directory } : {}),
  });
  // Counts only in the log (no session ids: they are in links).
  workers.onWorkerDied((slot) => void sessions.rebuildSessionsOnWorker(slot.index).then((n) => fastify.log.warn({ worker: slot.index, ...n }, 'sessions on the dead worker rebuilt')));

  const io = new Server<ClientToServerEvents, ServerToClientEvents>(fastify.server, {
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    allowRequest: sameOriginOnly,
    serveClient: false,
    // In a cluster the proxy routes /n/<nodeId>/ to this node: it only ever answers for its own sessions.
    path: directory?.socketPath ?? SINGLE_NODE_SOCKET_PATH,
    // A dead link is noticed within about 13 s (a ping every 5 s, 8 s to answer), on both sides: the member is
    // then `away` here and reconnecting there. Slow links still answer a ping in 8 s.
    pingInterval: 5_000,
    pingTimeout: 8_000,
  });
  const metrics = token ? new HearthMetrics(sessions) : undefined;
  if (metrics && token) registerMetrics(fastify, metrics, token);
  attachGateway(io, {
    sessions, tokens, log: fastify.log, rateLimit: opts.rateLimit, decorateOutbox: opts.decorateOutbox,
    onRequestError: metrics && ((code) => metrics.requestError(code)),
  });
  // After the gateway's protocol-version check: per-address connection limits (issue 13).
  io.use(addressLimitMiddleware(new AddressLimits({
    concurrent: config.limits?.connectionsPerAddress ?? 20, perMinute: config.limits?.connectsPerAddressPerMinute ?? 60,
  }), config.http.trustProxy ?? false));
  registerSessionRoutes(fastify, {
    adminKey, sessions, tokens, maxPeers: config.sessions.maxPeers, inviteTtlMinutes: config.sessions.inviteTtlMinutes,
  });

  registerWhereRoute(fastify, directory ?? localLocator(sessions));

  fastify.get('/healthz', async () => ({ ok: true, workers: workers.workers().length }));
  registerClient(fastify, config.clientDir);

  fastify.addHook('onClose', async () => {
    sessions.closeAll();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await directory?.stop();
    workers.close();
  });
  return { fastify, io, sessions, tokens, workers, config, adminKey, adminKeyMadeHere: givenKey === undefined };
}
