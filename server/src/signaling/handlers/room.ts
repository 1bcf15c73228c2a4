import { ErrorCode, HearthError } from '@hearth/shared';
import type { Connection } from '../Connection.js';
import type { RoomRegistry } from '../../room/RoomRegistry.js';
import type { Handler } from './types.js';

export const join: Handler<'room.join'> = async (ctx, { roomId, displayName }) => {
  const name = displayName.trim();
  // A room found empty and closed by a concurrent last leave is replaced: try again on a fresh one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const room = await ctx.registry.getOrCreate(roomId);
    const joined = await room.run(() => (room.closed ? undefined : room.join(name, ctx.outbox)));
    if (!joined) continue;
    ctx.conn.room = room;
    ctx.conn.peerId = joined.selfId;
    if (!ctx.isConnected()) {
      // The socket dropped while we were joining; its disconnect handler saw no room. Undo here.
      await leaveRoom(ctx.conn, ctx.registry);
      throw new HearthError(ErrorCode.INVALID_STATE, 'disconnected');
    }
    return {
      selfId: joined.selfId,
      routerRtpCapabilities: room.media.routerRtpCapabilities as Record<string, unknown>,
      peers: joined.peers,
    };
  }
  throw new HearthError(ErrorCode.INTERNAL, 'room kept closing');
};

export const leave: Handler<'room.leave'> = async (ctx) => {
  await leaveRoom(ctx.conn, ctx.registry);
  return {};
};

/** Leaves the connection's room, if any; used by `room.leave` and on disconnect. Idempotent. */
export async function leaveRoom(conn: Connection, registry: RoomRegistry): Promise<void> {
  const { room, peerId } = conn;
  conn.room = undefined;
  conn.peerId = undefined;
  if (!room || !peerId) return;
  await room.run(() => {
    room.leave(peerId);
    registry.releaseIfEmpty(room);
  });
}
