import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.js';
import { ErrorCode } from '@hearth/shared';
import type { SessionRegistry } from '../room/SessionRegistry.js';

// Where a session's socket lives. Single node: here, at /socket.io, or nowhere. Cluster (RedisDirectory): on the
// node the shared directory names, at /n/<nodeId>/socket.io, which the proxy routes to that node. This module never
// imports Redis: a single node answers from its own memory.

export type Whereabouts =
  | { kind: 'found'; socketPath: string }
  /** No such session (never was, ended normally, or its entry expired). */
  | { kind: 'unknown' }
  /** Its node stopped without ending it (the node's liveness key expired): ended for good. */
  | { kind: 'lost' };

export interface SessionLocator {
  locate(sessionId: string): Promise<Whereabouts>;
}

export const SINGLE_NODE_SOCKET_PATH = '/socket.io';

/** The single node's answer: the session is here or nowhere. */
export function localLocator(sessions: SessionRegistry): SessionLocator {
  return {
    locate: async (id) => (sessions.get(id) ? { kind: 'found', socketPath: SINGLE_NODE_SOCKET_PATH } : { kind: 'unknown' }),
  };
}

/** Session ids are 16 random bytes in base64url; anything else is no session (and never reaches Redis). */
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * GET /api/sessions/:id/where -> 200 {ok, socketPath} | 404 {ok:false, SESSION_NOT_FOUND} | 410 {ok:false,
 * SESSION_LOST} (its server stopped). Asked by the browser before it opens its socket, and again when reconnecting
 * fails for a while. Not cached anywhere: the answer changes when a node dies.
 */
export function registerWhereRoute(fastify: FastifyInstance, locator: SessionLocator): void {
  fastify.get<{ Params: { id: string } }>('/api/sessions/:id/where', async (req, reply) => {
    void reply.header('cache-control', 'no-store');
    let where: Whereabouts;
    try {
      where = SESSION_ID.test(req.params.id) ? await locator.locate(req.params.id) : { kind: 'unknown' };
    } catch (err) {
      // The directory is unreachable (Redis restarting): the page asks again in a moment.
      req.log.warn({ reason: (err as Error).message }, 'where: the cluster directory did not answer');
      return reply.code(503).send({ ok: false, code: ErrorCode.INTERNAL });
    }
    if (where.kind === 'found') return { ok: true, socketPath: where.socketPath };
    if (where.kind === 'lost') return reply.code(410).send({ ok: false, code: ErrorCode.SESSION_LOST });
    return reply.code(404).send({ ok: false, code: ErrorCode.SESSION_NOT_FOUND });
  });
}

/**
 * Scale-out only: connects to the cluster's Redis directory. Imported here on demand, so a single node never loads
 * the Redis client at all.
 */
export async function startDirectory(
  cluster: NonNullable<Config['cluster']>, log: FastifyBaseLogger,
): Promise<import('./RedisDirectory.js').RedisDirectory> {
  const { RedisDirectory } = await import('./RedisDirectory.js');
  return RedisDirectory.start({ ...cluster, log });
}
