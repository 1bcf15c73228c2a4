import { randomBytes } from 'node:crypto';
import { ErrorCode, type IceServer, type SessionKind } from '@hearth/shared';
import type { MediaEvents, RoomMediaFactory } from './ports.js';
import { Session } from './Session.js';

export interface RegistryOptions {
  /** Most admitted members in one circle, and most waiting in one waiting room. */
  maxPeers: number;
  maxWaiting: number;
  /** A session nobody has touched for this long ends by itself (memory is all it has). */
  idleMs: number;
  /** How long a dropped member's seat is kept (the `away` standing). */
  reconnectGraceMs: number;
  /** TURN credentials for one member (unset: no TURN). */
  iceServers?: () => IceServer[];
  /**
   * Told of each session made (awaited: a failure fails the creation) and each session over (scale-out: the
   * cluster directory). Unset on a single node.
   */
  directory?: { add(id: string): Promise<void>; remove(id: string): Promise<void> };
}

/** How many ended session ids are remembered (see `endedHere`). */
const ENDED_REMEMBERED = 1_000;

/** Every live session, in memory only. A restart ends them all. */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  /**
   * Ids of the last sessions that ended (ids only, oldest forgotten first): a member away when theirs ended is told
   * SESSION_ENDED on return, while an id this process never knew (it restarted) stays SESSION_NOT_FOUND.
   */
  private readonly ended = new Set<string>();
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
    // The session is needed inside the media callbacks, which can only fire after creation.
    let session: Session | undefined;
    const media = await this.createMedia(mediaEvents(() => session));
    const { maxPeers, maxWaiting, reconnectGraceMs, iceServers } = this.opts;
    const limits = { maxPeers, maxWaiting, reconnectGraceMs, ...(iceServers ? { iceServers } : {}) };
    session = new Session({ id, title, kind, signingKey }, media, limits);
    session.onEnded = () => {
      this.sessions.delete(id);
      this.ended.add(id);
      if (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.values().next().value!);
      void this.opts.directory?.remove(id).catch(() => undefined);
    };
    this.sessions.set(id, session);
    await this.opts.directory?.add(id).catch(async (err: unknown) => {
      await this.end(session!, ErrorCode.SESSION_LOST);
      throw err;
    });
    return session;
  }

  get(id: string): Session | undefined {
    const s = this.sessions.get(id);
    return s && !s.ended ? s : undefined;
  }

  /** Ends a session for everyone, in its queue (after whatever command is running), and forgets it. */
  async end(session: Session, code: ErrorCode = ErrorCode.SESSION_ENDED): Promise<void> {
    await session.run(() => session.end(code)).catch(() => undefined);
    this.sessions.delete(session.id);
  }

  /**
   * Sessions whose media lived on a dead worker get new media (a router on another worker, or on this one restarted)
   * and their members set theirs up again (`Session.rebuildMedia`); a session whose new media cannot be made ends
   * (SESSION_LOST). Resolves when every one is rebuilt or ended, with how many of each.
   */
  async rebuildSessionsOnWorker(workerIndex: number): Promise<{ rebuilt: number; ended: number }> {
    const hit = this.list().filter((s) => s.room.media.workerIndex === workerIndex);
    const done = await Promise.all(hit.map(async (s) => {
      try {
        const media = await this.createMedia(mediaEvents(() => s));
        await s.run(() => s.rebuildMedia(media));
        return true;
      } catch {
        await this.end(s, ErrorCode.SESSION_LOST);
        return false;
      }
    }));
    const rebuilt = done.filter(Boolean).length;
    return { rebuilt, ended: done.length - rebuilt };
  }

  /** Whether this session ran on this process and ended (recently: the last ENDED_REMEMBERED are kept). */
  endedHere(id: string): boolean {
    return this.ended.has(id);
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  /** Shutdown: every session ends (SESSION_LOST), each in its own queue. */
  closeAll(): void {
    clearInterval(this.sweeper);
    for (const s of this.list()) void this.end(s, ErrorCode.SESSION_LOST);
  }

  private sweep(): void {
    const now = Date.now();
    for (const s of [...this.sessions.values()]) {
      if (s.size === 0 && now - s.lastActivity > this.opts.idleMs) void this.end(s);
    }
  }
}

/** What a session's media reports back, into the session's queue. */
function mediaEvents(session: () => Session | undefined): MediaEvents {
  return {
    consumerClosed: (peerId, consumerId) => void session()?.run(() => session()?.room.notifyConsumerClosed(peerId, consumerId)),
    producerScore: (peerId, score) => void session()?.run(() => session()?.room.updateQuality(peerId, score)),
  };
}
