/**
 * The closed set of error codes the server may answer with. The client renders a message per code.
 * (The only free text ever relayed is a facilitator's own note when denying or removing someone.)
 */
export const ErrorCode = {
  /** The message failed schema validation, or was too large. Nothing changed. */
  BAD_MESSAGE: 'BAD_MESSAGE',
  /** The sender's role does not allow this action. */
  NOT_ALLOWED: 'NOT_ALLOWED',
  /** The message is valid but does not fit the sender's current state (e.g. produce before join). */
  INVALID_STATE: 'INVALID_STATE',
  /** A referenced transport, producer, consumer or peer does not exist for this sender. */
  NOT_FOUND: 'NOT_FOUND',
  /** Client and server speak different protocol versions. */
  PROTOCOL_VERSION_MISMATCH: 'PROTOCOL_VERSION_MISMATCH',
  /** Too many messages in too short a time. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The group has reached its member limit. */
  ROOM_FULL: 'ROOM_FULL',
  /** The session is locked: no new arrivals. */
  ROOM_LOCKED: 'ROOM_LOCKED',
  /** The member has not been admitted from the waiting room yet. */
  NOT_ADMITTED: 'NOT_ADMITTED',
  /** An invite or session token has expired. */
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  /** An invite or session token is malformed, forged, revoked or for another session. */
  TOKEN_INVALID: 'TOKEN_INVALID',
  /** The invite was revoked by a facilitator. */
  TOKEN_REVOKED: 'TOKEN_REVOKED',
  /** The invite has been used by as many devices as it allows. */
  TOKEN_USED_UP: 'TOKEN_USED_UP',
  /** No such session: it ended, the server restarted, or the link is wrong. */
  SESSION_NOT_FOUND: 'SESSION_NOT_FOUND',
  /** A facilitator ended the session for everyone. */
  SESSION_ENDED: 'SESSION_ENDED',
  /** The server had to stop the session (it is shutting down, or its media process failed). */
  SESSION_LOST: 'SESSION_LOST',
  /** A facilitator removed this member; the same link and device cannot come back. */
  REMOVED: 'REMOVED',
  /** A facilitator declined this member's request to join. */
  DENIED: 'DENIED',
  /** The same member opened the session again elsewhere (another tab, a reload); this connection yields. */
  REPLACED: 'REPLACED',
  /** A dropped member came back after the grace period (or with a token that is not theirs): join again. */
  RESUME_EXPIRED: 'RESUME_EXPIRED',
  /** A facilitator muted this microphone or stopped this camera; only a facilitator can allow it again. */
  LOCKED_BY_FACILITATOR: 'LOCKED_BY_FACILITATOR',
  /** This member chose audio only: the server neither sends them video nor takes a camera from them. */
  AUDIO_ONLY: 'AUDIO_ONLY',
  /**
   * The session's media process stopped and its media is being set up again on another (`media.restart` follows):
   * nothing is wrong with the request or the member; it is made again on the new media.
   */
  MEDIA_MOVING: 'MEDIA_MOVING',
  /** mediasoup refused the media parameters (e.g. unsupported codec). */
  MEDIA_REJECTED: 'MEDIA_REJECTED',
  /** Anything unexpected on the server; logged there with context. */
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);
