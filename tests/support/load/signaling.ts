// Signaling bots for the load generator: a facilitator and members brought in through the waiting room the way
// real ones come, then the media signaling a browser does (capabilities, transports, produce, consume) and, for
// the length of the run, the small requests members keep making (reactions, the stick, quality reports).
import { performance } from 'node:perf_hooks';
import type { ClientRequestName, RequestOf } from '@hearth/shared';
import type { Bot } from '../Bot.js';
import { Circle } from '../circle.js';
import { admit, readyToReceive, sendBoth } from '../media.js';
import type { TestServer } from '../server.js';

/** Request -> ack times (ms) of every request made while the load ran, and how many were refused or timed out. */
export class Latencies {
  readonly ms: number[] = [];
  failed = 0;

  async time<K extends ClientRequestName>(bot: Bot, name: K, payload: RequestOf<K>): Promise<void> {
    const t0 = performance.now();
    try {
      const ack = await bot.request(name, payload);
      if (ack.ok) this.ms.push(performance.now() - t0);
      else this.failed++;
    } catch {
      this.failed++;
    }
  }
}

export interface LoadSession {
  circle: Circle;
  members: Bot[];
}

/** A session with a facilitator and `members - 1` admitted members, every one sending and receiving everyone. */
export async function openLoadSession(server: TestServer, members: number, lat: Latencies): Promise<LoadSession> {
  const circle = await Circle.open(server);
  const seats = [];
  for (let i = 1; i < members; i++) seats.push(await admit(circle, `M${i}`));
  const fay = circle.facilitator;
  const all = [{ bot: fay.bot, caps: fay.room.routerRtpCapabilities }, ...seats.map((s) => ({ bot: s.bot, caps: s.routerRtpCapabilities }))];
  const sent = [];
  for (const m of all) {
    await readyToReceive(m.bot, m.caps);
    sent.push(await sendBoth(m.bot));
  }
  for (const [i, m] of all.entries()) {
    for (const [j, s] of sent.entries()) {
      if (i === j) continue;
      for (const producerId of [s.audio, s.video]) {
        const c = await m.bot.ok('media.consume', { producerId });
        await lat.time(m.bot, 'media.resumeConsumer', { consumerId: c.consumerId });
      }
    }
  }
  return { circle, members: all.map((m) => m.bot) };
}

const ACTIONS: ((bot: Bot, lat: Latencies) => Promise<void>)[] = [
  (bot, lat) => lat.time(bot, 'turn.react', { reaction: 'heart' }),
  (bot, lat) => lat.time(bot, 'turn.request', {}),
  (bot, lat) => lat.time(bot, 'turn.cancel', {}),
  (bot, lat) => lat.time(bot, 'media.reportQuality', { level: 'good' }),
  (bot, lat) => lat.time(bot, 'member.setPrivate', { private: false }),
];

/**
 * Every member makes one request every `everyMs` (staggered), until `untilMs` (performance.now()) passes.
 * Bounded: at most `untilMs - now` / `everyMs` + 1 requests per member.
 */
export async function chatter(sessions: LoadSession[], lat: Latencies, everyMs: number, untilMs: number): Promise<void> {
  const bots = sessions.flatMap((s) => s.members);
  await Promise.all(bots.map(async (bot, i) => {
    await new Promise((r) => setTimeout(r, (i * everyMs) / bots.length));
    for (let n = 0; performance.now() < untilMs; n++) {
      const next = performance.now() + everyMs;
      await ACTIONS[(i + n) % ACTIONS.length]!(bot, lat);
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
  }));
}
