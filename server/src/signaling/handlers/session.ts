import { ErrorCode, HearthError, type RequestOf, type ResponseOf, type Role } from '@hearth/shared';
import type { Session } from '../../room/Session.js';
import type { PeerOutbox } from '../../room/ports.js';
import type { Connection } from '../Connection.js';
import type { Handler, HandlerContext } from './types.js';

export const join: Handler<'session.join'> = (ctx, req) => once(ctx, () => seatConnection(ctx, req));

/**
 * Runs a join or a resume at most once per socket. The flag is set before any await: two requests racing on one
 * socket would otherwise both pass the gateway's 'outside' check. A failed attempt may be retried.
 */
async function once<T>(ctx: HandlerContext, attempt: () => Promise<T>): Promise<T> {
  if (ctx.conn.joining) throw new HearthError(ErrorCode.INVALID_STATE, 'already joining or joined');
  ctx.conn.joining = true;
  try {
    return await attempt();
  } catch (error) {
    if (!ctx.conn.session) ctx.conn.joining = false;
    throw error;
  }
}

/**
 * The connection now holds this member's seat. If the socket dropped while we waited, its disconnect handler saw
 * no seat: undo here (`undo`: a leave for a join, a drop for a resume).
 */
async function hold(ctx: HandlerContext, session: Session, who: { selfId: string; role: Role }, undo: typeof leaveSession): Promise<void> {
  ctx.conn.session = session;
  ctx.conn.memberId = who.selfId;
  ctx.conn.role = who.role;
  if (ctx.isConnected()) return;
  await undo(ctx.conn, ctx.outbox);
  throw new HearthError(ErrorCode.INVALID_STATE, 'disconnected');
}

async function seatConnection(ctx: HandlerContext, req: RequestOf<'session.join'>): Promise<ResponseOf<'session.join'>> {
  const claims = await ctx.tokens.verifyInvite(req.token);
  if (claims.sessionId !== req.sessionId) throw new HearthError(ErrorCode.TOKEN_INVALID, 'invite is for another session');
  const session = ctx.sessions.get(req.sessionId);
  if (!session) throw new HearthError(ErrorCode.SESSION_NOT_FOUND);
  const arrival = {
    claims, displayName: req.displayName.trim(), deviceId: req.deviceId, e2eeKey: req.e2eeKey, certificate: req.certificate, outbox: ctx.outbox,
    rtpCapabilities: req.rtpCapabilities, check: req.check,
  };
  const result = await session.run(() => session.arrive(arrival));
  await hold(ctx, session, result, leaveSession);
  const routerRtpCapabilities = session.room.media.routerRtpCapabilities as Record<string, unknown>;
  return { ...result, session: { title: session.title, kind: session.kind }, routerRtpCapabilities };
}

/** Back after a dropped link, on this new connection: the seat the resume token holds, without the waiting room. */
export const resume: Handler<'session.resume'> = (ctx, req) => once(ctx, async () => {
  const session = ctx.sessions.get(req.sessionId);
  if (!session) throw new HearthError(ctx.sessions.endedHere(req.sessionId) ? ErrorCode.SESSION_ENDED : ErrorCode.SESSION_NOT_FOUND);
  const result = await session.run(() => session.resume(req.resumeToken, ctx.outbox));
  await hold(ctx, session, result, dropSession);
  return { selfId: result.selfId, role: result.role, session: { title: session.title, kind: session.kind }, room: result.room };
});

/** The session's router codecs, for the pre-join page (the same for every session of this server). */
export const capabilities: Handler<'session.capabilities'> = async (ctx, req) => {
  const session = ctx.sessions.get(req.sessionId);
  if (!session) throw new HearthError(ErrorCode.SESSION_NOT_FOUND);
  return { routerRtpCapabilities: session.room.media.routerRtpCapabilities as Record<string, unknown> };
};

/** A quick exit keeps the invite bound to this device (a waiting member does not give its use back). */
export const leave: Handler<'session.leave'> = async (ctx, req) => {
  await leaveSession(ctx.conn, ctx.outbox, req.quickExit === true);
  return {};
};

/** The connection dropped without a goodbye: its member is away (seat kept for the grace). Idempotent. */
export async function dropSession(conn: Connection, outbox: PeerOutbox): Promise<void> {
  const { session, memberId } = conn;
  conn.clear();
  if (!session || !memberId) return;
  await session.run(() => session.drop(memberId, outbox));
}

/** Leaves the connection's session, if any; used by `session.leave` and on a deliberate disconnect. Idempotent. */
export async function leaveSession(conn: Connection, outbox: PeerOutbox, keepInvite = false): Promise<void> {
  const { session, memberId } = conn;
  conn.clear();
  if (!session || !memberId) return;
  await session.run(() => session.depart(memberId, outbox, keepInvite));
}
