import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../config/schema.js';
import { secretOf } from '../config/secrets.js';
import type { Session } from '../room/Session.js';
import type { SessionRegistry } from '../room/SessionRegistry.js';

// Operator metrics. Counts only: no label ever carries a session id, title, name, member id or address. The one
// label with values from outside this file is an error code (a fixed set, shared/src/protocol).

/** The /metrics token in force: the configured one, or the trimmed contents of `tokenFile`; none = no /metrics. */
export function metricsToken(config: Readonly<Config>): string | undefined {
  return secretOf('metrics.token', { value: config.metrics?.token, file: config.metrics?.tokenFile });
}

/** Whether an Authorization header carries this bearer token. Constant time: both sides are hashed to 32 bytes. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (\S+)$/.exec(header ?? '')?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

interface Snapshot {
  sessions: number;
  members: { waiting: number; seated: number; away: number };
  transports: number;
  producers: number;
  consumers: number;
  bitrate: number;
}

/** What the media of one session holds, and the bits per second arriving on its producers. */
async function mediaOf(s: Session): Promise<Omit<Snapshot, 'sessions' | 'members'>> {
  const d = await s.room.media.dump();
  let bitrate = 0;
  for (const id of s.seatHolderIds()) {
    // A member may have no media yet (or leave mid-scrape): nothing to add.
    const peer = await s.room.media.inspect(id).catch(() => undefined);
    for (const p of peer?.producers ?? []) for (const stream of p.streams) bitrate += stream.bitrate;
  }
  return { transports: d.transports, producers: d.producers, consumers: d.consumers, bitrate };
}

async function snapshot(sessions: SessionRegistry): Promise<Snapshot> {
  const live = sessions.list().filter((s) => !s.ended);
  const total: Snapshot = {
    sessions: live.length, members: { waiting: 0, seated: 0, away: 0 }, transports: 0, producers: 0, consumers: 0, bitrate: 0,
  };
  for (const s of live) {
    const c = s.standingCounts();
    total.members.waiting += c.waiting;
    total.members.seated += c.seated;
    total.members.away += c.away;
    const media = await mediaOf(s).catch(() => undefined); // a session ending mid-scrape
    if (!media) continue;
    total.transports += media.transports;
    total.producers += media.producers;
    total.consumers += media.consumers;
    total.bitrate += media.bitrate;
  }
  return total;
}

/** Hearth's own metrics and the process's, in a registry of their own (never prom-client's global one). */
export class HearthMetrics {
  readonly registry = new Registry();
  private readonly errors: Counter<'code'>;
  private cached?: { at: number; value: Promise<Snapshot> };

  constructor(private readonly sessions: SessionRegistry) {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: (s: Snapshot) => number) => {
      const g: Gauge = new Gauge({ name, help, registers, collect: async () => g.set(read(await this.current())) });
    };
    gauge('hearth_sessions', 'Live sessions.', (s) => s.sessions);
    gauge('hearth_media_transports', 'WebRTC transports open, all sessions.', (s) => s.transports);
    gauge('hearth_media_producers', 'Producers (incoming tracks), all sessions.', (s) => s.producers);
    gauge('hearth_media_consumers', 'Consumers (outgoing tracks), all sessions.', (s) => s.consumers);
    gauge('hearth_producer_bitrate_bits_per_second', 'Incoming media bitrate, all producers.', (s) => s.bitrate);
    const members: Gauge<'standing'> = new Gauge({
      name: 'hearth_members', help: 'Members by standing, all sessions (counts only).', labelNames: ['standing'], registers,
      collect: async () => {
        const counts = (await this.current()).members;
        for (const standing of ['waiting', 'seated', 'away'] as const) members.set({ standing }, counts[standing]);
      },
    });
    this.errors = new Counter({
      name: 'hearth_request_errors_total', help: 'Socket requests answered with an error, by error code.',
      labelNames: ['code'], registers,
    });
  }

  /** A socket request was refused with this code (the code only: never the message, never an id). */
  requestError(code: string): void {
    this.errors.inc({ code });
  }

  /** One reading of the server's state per scrape (the gauges' collect callbacks share it). */
  private current(): Promise<Snapshot> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > 1000) this.cached = { at: now, value: snapshot(this.sessions) };
    return this.cached.value;
  }
}

/** GET /metrics behind the bearer token; 401 with an empty body otherwise. */
export function registerMetrics(fastify: FastifyInstance, metrics: HearthMetrics, token: string): void {
  fastify.get('/metrics', async (req, reply) => {
    if (!bearerMatches(req.headers.authorization, token)) return reply.code(401).header('www-authenticate', 'Bearer').send();
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
