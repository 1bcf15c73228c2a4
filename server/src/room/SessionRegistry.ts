import { randomBytes } from 'node:crypto';
import { ErrorCode, type SessionKind } from '@hearth/shared';
import type { RoomMediaFactory } from './ports.js';
import { Room } from './Room.js';
import { Session, type SessionHooks } from './Session.js';

export interface RegistryOptions {
  /** Most admitted members in one circle, and most waiting in one waiting room. */
  maxPeers: number;
  maxWaiting: number;
  /** A session nobody has touched for this long ends by itself (memory is all it has). */
  idleMs: number;
  /** Test hooks only (see SessionHooks). */
  hooks?: SessionHooks;
}

/** Every live session, in memory only. A restart ends them all. */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly createMedia: RoomMediaFactory,
    private readonly opts: RegistryOptions,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, opts.idleMs)).unref();
  }

  /** `signingKey`: the session signing key's public half (32 bytes), which checks certificates and revocations. */
  async create(title: string, kind: SessionKind, signingKey: Uint8Array): Promise<Session> {
    const id = randomBytes(16).toString('base64url');
    // The room is needed inside the media callbacks, which can only fire after creation.
    let room: Room | undefined;
    const media = await this.createMedia({
      consumerClosed: (peerId, consumerId) => room?.notifyConsumerClosed(peerId, consumerId),
      producerScore: (peerId, score) => void room?.run(() => room?.updateQuality(peerId, score)),
    });
    room = new Room(media);
    const limits = { maxPeers: this.opts.maxPeers, maxWaiting: this.opts.maxWaiting };
    const session = new Session({ id, title, kind, signingKey }, room, limits, this.opts.hooks);
    this.sessions.set(id, session);
    return session;
  }

  get(id: string): Session | undefined {
    const s = this.sessions.get(id);
    return s && !s.ended ? s : undefined;
  }

  /** Ends a session for everyone and forgets it. */
  end(session: Session, code: ErrorCode = ErrorCode.SESSION_ENDED): void {
    session.end(code);
    this.sessions.delete(session.id);
  }

  /** Sessions whose media lived on a dead worker end; members are told and can be invited again. */
  endSessionsOnWorker(workerIndex: number): void {
    for (const s of [...this.sessions.values()]) if (s.room.media.workerIndex === workerIndex) this.end(s, ErrorCode.SESSION_LOST);
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  closeAll(): void {
    clearInterval(this.sweeper);
    for (const s of [...this.sessions.values()]) this.end(s, ErrorCode.SESSION_LOST);
  }

  private sweep(): void {
    const now = Date.now();
    for (const s of [...this.sessions.values()]) {
      if (s.size === 0 && now - s.lastActivity > this.opts.idleMs) this.end(s);
    }
  }
}
