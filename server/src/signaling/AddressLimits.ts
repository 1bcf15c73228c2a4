import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import { ErrorCode } from '@hearth/shared';

export interface AddressLimitOptions {
  /** Most sockets open at once from one address. */
  concurrent: number;
  /** Most new sockets per minute from one address (a bucket of this size, refilled over a minute). */
  perMinute: number;
  /** Most addresses tracked at once; past it new addresses are refused until some go quiet (memory bound). */
  maxAddresses?: number;
  now?: () => number;
}

interface Entry {
  open: number;
  tokens: number;
  last: number;
}

/**
 * Per-address connection limits, at the socket.io handshake: at most `concurrent` sockets open and `perMinute`
 * new ones per minute from one remote address. An address is only ever a map key here: never logged, and
 * forgotten once it has no socket open and its bucket is full again.
 */
export class AddressLimits {
  private readonly entries = new Map<string, Entry>();
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(private readonly opts: AddressLimitOptions) {
    this.maxAddresses = opts.maxAddresses ?? 100_000;
    this.now = opts.now ?? Date.now;
  }

  /** Takes a connection slot for `address`; false = refused (nothing changed). Pair every true with release(). */
  acquire(address: string): boolean {
    const t = this.now();
    let e = this.entries.get(address);
    if (!e) {
      if (this.entries.size >= this.maxAddresses) this.sweep(t);
      if (this.entries.size >= this.maxAddresses) return false;
      e = { open: 0, tokens: this.opts.perMinute, last: t };
    }
    this.refill(e, t);
    if (e.open >= this.opts.concurrent || e.tokens < 1) return false;
    e.tokens -= 1;
    e.open += 1;
    this.entries.set(address, e);
    return true;
  }

  release(address: string): void {
    const e = this.entries.get(address);
    if (!e) return;
    e.open = Math.max(0, e.open - 1);
    this.refill(e, this.now());
    if (e.open === 0 && e.tokens >= this.opts.perMinute) this.entries.delete(address);
  }

  /** Addresses tracked now (tests: the map is bounded and forgets quiet addresses). */
  get size(): number {
    return this.entries.size;
  }

  private refill(e: Entry, t: number): void {
    e.tokens = Math.min(this.opts.perMinute, e.tokens + ((t - e.last) / 60_000) * this.opts.perMinute);
    e.last = t;
  }

  private sweep(t: number): void {
    for (const [address, e] of this.entries) {
      this.refill(e, t);
      if (e.open === 0 && e.tokens >= this.opts.perMinute) this.entries.delete(address);
    }
  }
}

/**
 * The remote address of a handshake. Behind a trusted reverse proxy (Caddy) every socket comes from the proxy:
 * the client's address is then the last X-Forwarded-For entry, the one the proxy itself wrote (entries before it
 * are whatever the client sent, so never trusted). Not trusted = the socket's own peer address, header ignored.
 */
export function remoteAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.at(-1) : header;
  const last = value?.split(',').at(-1)?.trim();
  return last && last.length <= 64 ? last : peer;
}

/** The socket.io middleware: a slot per socket, given back when its connection closes; refused = RATE_LIMITED. */
export function addressLimitMiddleware(
  limits: AddressLimits, trustProxy: boolean,
): (socket: Socket, next: (err?: Error) => void) => void {
  return (socket, next) => {
    const address = remoteAddress(socket.request, trustProxy);
    if (!limits.acquire(address)) {
      const err = new Error(ErrorCode.RATE_LIMITED) as Error & { data: unknown };
      err.data = { code: ErrorCode.RATE_LIMITED, reason: 'too many connections from this address' };
      return next(err);
    }
    if (socket.conn.readyState === 'closed') limits.release(address);
    else socket.conn.once('close', () => limits.release(address));
    next();
  };
}
