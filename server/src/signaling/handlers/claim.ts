import { ErrorCode, HearthError, ROLES_BY_KIND } from '@hearth/shared';
import type { Handler } from './types.js';

/** A page claims once per socket, or again after a failure: more than this is not a page but someone spending uses. */
const MAX_CLAIMS_PER_CONNECTION = 3;

/**
 * The pre-join page opened a link on this device: the invite is bound to the device now, as one of its uses
 * (InviteBook), before the member types anything. The same link opened later on another device (found in the
 * history of a shared one) is then TOKEN_USED_UP once its uses are bound; the same device may claim again (a reload).
 *
 * Claiming needs the invite itself (signed by this server, for this session, unexpired, not revoked): nobody can
 * spend someone else's invite without holding their link, and whoever holds it could simply join with it anyway.
 */
export const claim: Handler<'session.claim'> = async (ctx, req) => {
  ctx.conn.claims += 1;
  if (ctx.conn.claims > MAX_CLAIMS_PER_CONNECTION) throw new HearthError(ErrorCode.RATE_LIMITED, 'too many claims');
  const invite = await ctx.tokens.verifyInvite(req.token);
  if (invite.sessionId !== req.sessionId) throw new HearthError(ErrorCode.TOKEN_INVALID, 'invite is for another session');
  const session = ctx.sessions.get(req.sessionId);
  if (!session || session.ended) throw new HearthError(ErrorCode.SESSION_NOT_FOUND);
  if (!ROLES_BY_KIND[session.kind].includes(invite.role)) throw new HearthError(ErrorCode.TOKEN_INVALID, 'wrong role');
  await session.run(() => session.invites.use(invite.inviteId, invite.maxUses, req.deviceId));
  return {};
};
