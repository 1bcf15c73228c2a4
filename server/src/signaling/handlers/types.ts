import type { FastifyBaseLogger } from 'fastify';
import type { ClientRequestName, RequestOf, ResponseOf } from '@hearth/shared';
import type { TokenService } from '../../auth/TokenService.js';
import type { Session } from '../../room/Session.js';
import type { PeerOutbox } from '../../room/ports.js';
import type { SessionRegistry } from '../../room/SessionRegistry.js';
import type { Connection } from '../Connection.js';

/** What every handler gets: its connection's state and the few services it may use. */
export interface HandlerContext {
  conn: Connection;
  sessions: SessionRegistry;
  tokens: TokenService;
  outbox: PeerOutbox;
  log: FastifyBaseLogger;
  /** False once the socket has gone: a handler that finishes afterwards must undo what it did. */
  isConnected(): boolean;
}

export type Handler<K extends ClientRequestName> = (ctx: HandlerContext, req: RequestOf<K>) => Promise<ResponseOf<K>>;
export type HandlerTable = { [K in ClientRequestName]: Handler<K> };

/**
 * The common handler: run `act` as the sender (identity from the connection, never the payload), inside the
 * session's queue so no two commands on one session interleave.
 */
export function asActor<K extends ClientRequestName>(
  act: (session: Session, actorId: string, req: RequestOf<K>, ctx: HandlerContext) => ResponseOf<K> | Promise<ResponseOf<K>>,
): Handler<K> {
  return async (ctx, req) => {
    const { session, selfId } = ctx.conn.seat();
    return session.run(() => act(session, selfId, req, ctx));
  };
}
