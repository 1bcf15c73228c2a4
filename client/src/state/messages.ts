import type { ErrorCode } from '@hearth/shared';

/** What a member reads for each error code: calm, plain words. */
export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  BAD_MESSAGE: 'Something went wrong between this page and the server. Please reload the page.',
  NOT_ALLOWED: 'You are not allowed to do that in this group.',
  INVALID_STATE: 'That cannot be done right now.',
  NOT_FOUND: 'That is no longer there.',
  PROTOCOL_VERSION_MISMATCH: 'This page is out of date. Please reload it.',
  RATE_LIMITED: 'Too many actions at once. Please wait a moment.',
  ROOM_FULL: 'This session is full.',
  ROOM_LOCKED: 'This session is closed to new arrivals. If you are expected, ask the facilitator.',
  NOT_ADMITTED: 'You have not been let in yet.',
  TOKEN_EXPIRED: 'This link has expired. Ask the facilitator for a new one.',
  TOKEN_INVALID: 'This link is not valid.',
  AUDIO_ONLY: 'You chose audio only: turn it off to see or show video.',
  MEDIA_REJECTED: 'Your browser’s audio or video could not be used here.',
  TOKEN_REVOKED: 'This invitation was withdrawn. Ask the facilitator for a new one.',
  TOKEN_USED_UP: 'This invitation has already been used. Ask the facilitator for your own link.',
  SESSION_NOT_FOUND: 'This session has ended, or the link is not right.',
  SESSION_ENDED: 'The facilitator ended the session. Thank you for being here.',
  SESSION_LOST: 'The server had to stop this session. Your facilitator can start a new one.',
  REMOVED: 'You were removed from this session by the facilitator.',
  DENIED: 'The facilitator could not let you in this time.',
  REPLACED: 'You opened this session in another tab or window, so it continues there.',
  RESUME_EXPIRED: 'You were disconnected for too long, so your place was given up. You can join again.',
  LOCKED_BY_FACILITATOR: 'The facilitator has muted you. You can unmute when they invite you to.',
  INTERNAL: 'The server had a problem. Please try joining again.',
};

export function messageFor(error: unknown): string {
  const code = (error as { code?: ErrorCode }).code;
  if (code && code in ERROR_MESSAGES) return ERROR_MESSAGES[code];
  return 'Could not reach the server. Check your connection and try again.';
}

/** Runs a command and reports its failure (or clears it) in plain words. */
export async function attempt(command: () => Promise<unknown>, report: (error: string | undefined) => void): Promise<void> {
  try {
    await command();
    report(undefined);
  } catch (error) {
    report(messageFor(error));
  }
}
