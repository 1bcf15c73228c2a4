import { ErrorCode, HearthError, type RequestOf, type ResponseOf } from '@hearth/shared';
import type { PeerOutbox } from '../../room/ports.js';
import type { Connection } from '../Connection.js';
import type { Handler, HandlerContext } from './types.js';

export const join: Handler<'session.join'> = async (ctx, req) => {
  // Before any await: two joins racing on one socket would otherwise both pass the gateway's 'outside' check.
  if (ctx.conn.joining) throw new HearthError(ErrorCode.INVALID_STATE, 'already joining or joined');
  ctx.conn.joining = true;
  try {
    return await seatConnection(ctx, req);
  } catch (error) {
    if (!ctx.conn.session) ctx.conn.joining = false; // a failed join may be retried
    throw error;
  }
};

async function seatConnection(ctx: HandlerContext, req: RequestOf<'session.join'>): Promise<ResponseOf<'session.join'>> {
  const claims = await ctx.tokens.verifyInvite(req.token);
  if (claims.sessionId !== req.sessionId) throw new HearthError(ErrorCode.TOKEN_INVALID, 'invite is for another session');
  const session = ctx.sessions.get(req.sessionId);
  if (!session) throw new HearthError(ErrorCode.SESSION_NOT_FOUND);
  const arrival = {
    claims, displayName: req.displayName.trim(), deviceId: req.deviceId, e2eeKey: req.e2eeKey, certificate: req.certificate, outbox: ctx.outbox,
    rtpCapabilities: req.rtpCapabilities,
  };
  const result = await session.run(() => session.arrive(arrival));
  ctx.conn.session = session;
  ctx.conn.memberId = result.selfId;
  ctx.conn.role = result.role;
  if (!ctx.isConnected()) {
    // The socket dropped while we were joining; its disconnect handler saw no seat. Undo here.
    await leaveSession(ctx.conn, ctx.outbox);
    throw new HearthError(ErrorCode.INVALID_STATE, 'disconnected');
  }
  const routerRtpCapabilities = session.room.media.routerRtpCapabilities as Record<string, unknown>;
  return { ...result, session: { title: session.title, kind: session.kind }, routerRtpCapabilities };
}

/** Back after a dropped link, on this new connection: the seat the resume token holds, without the waiting room. */
export const resume: Handler<'session.resume'> = async (ctx, req) => {
  if (ctx.conn.joining) throw new HearthError(ErrorCode.INVALID_STATE, 'already joining or joined');
  const session = ctx.sessions.get(req.sessionId);
  if (!session) throw new HearthError(ErrorCode.SESSION_NOT_FOUND);
  ctx.conn.joining = true;
  try {
    const result = await session.run(() => session.resume(req.resumeToken, ctx.outbox));
    ctx.conn.session = session;
    ctx.conn.memberId = result.selfId;
    ctx.conn.role = result.role;
    if (!ctx.isConnected()) {
      await dropSession(ctx.conn, ctx.outbox);
      throw new HearthError(ErrorCode.INVALID_STATE, 'disconnected');
    }
    return { selfId: result.selfId, role: result.role, session: { title: session.title, kind: session.kind }, room: result.room };
  } catch (error) {
    if (!ctx.conn.session) ctx.conn.joining = false;
    throw error;
  }
};

/** The session's router codecs, for the pre-join page (the same for every session of this server). */
export const capabilities: Handler<'session.capabilities'> = async (ctx, req) => {
  const session = ctx.sessions.get(req.sessionId);
  if (!session) throw new HearthError(ErrorCode.SESSION_NOT_FOUND);
  return { routerRtpCapabilities: session.room.media.routerRtpCapabilities as Record<string, unknown> };
};

export const leave: Handler<'session.leave'> = async (ctx) => {
  await leaveSession(ctx.conn, ctx.outbox);
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
export async function leaveSession(conn: Connection, outbox: PeerOutbox): Promise<void> {
  const { session, memberId } = conn;
  conn.clear();
  if (!session || !memberId) return;
  await session.run(() => session.depart(memberId, outbox));
}
