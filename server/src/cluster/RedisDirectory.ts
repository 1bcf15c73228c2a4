import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from '@redis/client';
import type { FastifyBaseLogger } from 'fastify';
import { ConfigError } from '../config/loadConfig.js';
import type { SessionLocator, Whereabouts } from './locate.js';

// The shared directory of a cluster (docs/scale-out.md), in Redis:
//   hearth:node:<nodeId>        = this run's random id, with a TTL (livenessSeconds) refreshed at a third of it:
//                                 the node is alive while the key exists.
//   hearth:session:<sessionId>  = {"node":<nodeId>,"run":<run id>} while the session lives on that node;
//                                 {"node":<nodeId>,"ended":true} once a lookup found its node gone.
// Session entries expire (ENTRY_TTL_S) unless their node writes them again, so a dead node's entries go away by
// themselves; a node that stops gracefully deletes its own keys at once. Only ids are stored: no titles, no names.

export const NODE_KEY = (nodeId: string) => `hearth:node:${nodeId}`;
export const SESSION_KEY = (sessionId: string) => `hearth:session:${sessionId}`;
/** How long a session entry lives without a refresh by its node, and how long an `ended` marker is kept. */
export const ENTRY_TTL_S = 3600;
const CONNECT_TIMEOUT_MS = 5_000;

export interface DirectoryOptions {
  redisUrl: string;
  nodeId: string;
  livenessSeconds?: number;
  log: FastifyBaseLogger;
}

type Entry = { node: string; run?: string; ended?: boolean };

/** The URL without its credentials, for messages (a redis:// URL may carry a password). */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(not a URL)';
  }
}

export class RedisDirectory implements SessionLocator {
  /** This run of the node: a node restarted under the same id does not own the sessions of its last run. */
  readonly run = randomBytes(9).toString('base64url');
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly redis: RedisClientType,
    private readonly o: DirectoryOptions,
  ) {}

  /**
   * Connects and announces the node alive. An unreachable or refused Redis is a ConfigError at once (no retry loop
   * at start); once started, a lost connection is retried in the background and logged without the URL.
   */
  static async start(o: DirectoryOptions): Promise<RedisDirectory> {
    let started = false;
    let redis: RedisClientType;
    try {
      redis = createClient({
        url: o.redisUrl,
        // While Redis is away, lookups fail at once (the page asks again) instead of waiting in a queue.
        disableOfflineQueue: true,
        socket: {
          connectTimeout: CONNECT_TIMEOUT_MS,
          reconnectStrategy: (retries, cause) => (started ? Math.min(200 * 2 ** retries, 2_000) : cause),
        },
      }) as RedisClientType;
    } catch (err) {
      throw new ConfigError(`cluster.redisUrl ${redactedUrl(o.redisUrl)} is not usable: ${(err as Error).message}`);
    }
    redis.on('error', (err: Error) => {
      if (started) o.log.warn({ reason: err.message }, 'cluster directory: Redis connection problem');
    });
    try {
      await redis.connect();
      const dir = new RedisDirectory(redis, o);
      await dir.beat();
      started = true;
      dir.timer = setInterval(() => void dir.beat().catch(() => undefined), (dir.ttlSeconds * 1000) / 3).unref();
      return dir;
    } catch (err) {
      redis.destroy();
      throw new ConfigError(`cluster.redisUrl: cannot use Redis at ${redactedUrl(o.redisUrl)} (${(err as Error).message})`);
    }
  }

  get ttlSeconds(): number {
    return this.o.livenessSeconds ?? 10;
  }

  get socketPath(): string {
    return `/n/${this.o.nodeId}/socket.io`;
  }

  /** The node is alive; its sessions' entries are written again (a restarted Redis is refilled at the next beat). */
  private async beat(): Promise<void> {
    const m = this.redis.multi().set(NODE_KEY(this.o.nodeId), this.run, { EX: this.ttlSeconds });
    for (const id of this.held) m.set(SESSION_KEY(id), this.entry(), { EX: ENTRY_TTL_S });
    await m.exec();
  }

  private entry(): string {
    const entry: Entry = { node: this.o.nodeId, run: this.run };
    return JSON.stringify(entry);
  }

  /** A session made here: written before its links are handed out, so any node can route to it at once. */
  async add(sessionId: string): Promise<void> {
    await this.redis.set(SESSION_KEY(sessionId), this.entry(), { EX: ENTRY_TTL_S });
    this.held.add(sessionId);
  }

  /** A session here ended normally: its entry goes (a later lookup says "no such session"). */
  async remove(sessionId: string): Promise<void> {
    if (!this.held.delete(sessionId) || this.stopped) return;
    await this.redis.del(SESSION_KEY(sessionId));
  }

  async locate(sessionId: string): Promise<Whereabouts> {
    const raw = await this.redis.get(SESSION_KEY(sessionId));
    const entry = parse(raw);
    if (!entry) return { kind: 'unknown' };
    if (entry.ended) return { kind: 'lost' };
    const alive = await this.redis.get(NODE_KEY(entry.node));
    if (alive !== null && alive === entry.run) return { kind: 'found', socketPath: `/n/${entry.node}/socket.io` };
    // Its node stopped (or restarted) without ending it: the session is over, and stays so for everyone who asks.
    const ended: Entry = { node: entry.node, ended: true };
    await this.redis.set(SESSION_KEY(sessionId), JSON.stringify(ended), { EX: ENTRY_TTL_S });
    this.o.log.info({ node: entry.node }, 'cluster directory: a session ended with its node');
    return { kind: 'lost' };
  }

  /** Graceful stop: this node's liveness key and every entry it holds are deleted, then the connection closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    try {
      const keys = [NODE_KEY(this.o.nodeId), ...[...this.held].map(SESSION_KEY)];
      await this.redis.del(keys);
      this.held.clear();
      await this.redis.close();
    } catch (err) {
      this.o.log.warn({ reason: (err as Error).message }, 'cluster directory: could not remove this node\'s keys');
      this.redis.destroy();
    }
  }
}

function parse(raw: string | null): Entry | undefined {
  if (raw === null) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<Entry>;
    return typeof v.node === 'string' ? (v as Entry) : undefined;
  } catch {
    return undefined;
  }
}
