import type { ErrorCode } from '../vocabulary/errorCodes.js';

/** Every request is acknowledged with exactly one of these. */
export type Ack<T> = { ok: true; data: T } | { ok: false; code: ErrorCode; message?: string };

/** An error that carries a wire code; thrown by handlers, turned into an ack by the gateway. */
export class HearthError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
  ) {
    super(message ?? code);
    this.name = 'HearthError';
  }
}
