import type { ErrorCode } from '@hearth/shared';

/** What a member reads for each error code: calm, plain words. */
export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  BAD_MESSAGE: 'Something went wrong between this page and the server. Please reload the page.',
  NOT_ALLOWED: 'You are not allowed to do that in this group.',
  INVALID_STATE: 'That cannot be done right now.',
  NOT_FOUND: 'That is no longer there.',
  PROTOCOL_VERSION_MISMATCH: 'This page is out of date. Please reload it.',
  RATE_LIMITED: 'Too many actions at once. Please wait a moment.',
  ROOM_FULL: 'This group is full.',
  ROOM_LOCKED: 'This group is closed to new arrivals.',
  NOT_ADMITTED: 'You have not been let in yet.',
  TOKEN_EXPIRED: 'This link has expired. Ask the facilitator for a new one.',
  TOKEN_INVALID: 'This link is not valid.',
  MEDIA_REJECTED: 'Your browser’s audio or video could not be used here.',
  INTERNAL: 'The server had a problem. Please try joining again.',
};

export function messageFor(error: unknown): string {
  const code = (error as { code?: ErrorCode }).code;
  if (code && code in ERROR_MESSAGES) return ERROR_MESSAGES[code];
  return 'Could not reach the server. Check your connection and try again.';
}
