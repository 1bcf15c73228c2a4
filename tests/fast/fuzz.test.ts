import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@hearth/shared';
import type { BuildOptions } from '../../server/src/app/buildApp.js';
import type { RoomMedia } from '../../server/src/room/ports.js';
import { Circle } from '../support/circle.js';
import { FuzzTally, messageArb, send } from '../support/fuzz.js';
import { bystanders, commandsArb, fuzzOnce, PLACE, resolve, runCommands, seatFuzzers, type Elsewhere, type FuzzCommand } from '../support/fuzzRun.js';
import { startFastServer, type FastServer, type TestServer } from '../support/server.js';

// Property-based fuzzing of every inbound socket message, from every role (tests/support/fuzz.ts generates them
// from the TypeBox schemas). HEARTH_FUZZ_RUNS sets how many messages (the bench sends 100,000: BENCH_ONLY=fuzz).
const MESSAGES = Number(process.env.HEARTH_FUZZ_RUNS ?? 6000);
const PER_RUN = 60;
const HIGH_LIMIT = { burst: 1_000_000, perSecond: 1_000_000 };
/** Every run opens a few sockets from loopback: the per-address connection limits are raised for it. */
const MANY_SOCKETS = { limits: { connectionsPerAddress: 10_000, connectsPerAddressPerMinute: 100_000 } };

/** What the bystanders' session holds: its roster and its media objects. */
async function record(server: TestServer, sessionId: string) {
  const s = server.app.sessions.get(sessionId)!;
  return { roster: s.roster(), media: await s.room.media.dump() };
}

/** The property: a fresh session per run, the commands from every role, no fault; seats closed afterwards. */
function property(server: FastServer, elsewhere: Elsewhere, tally: FuzzTally, perRun = PER_RUN, atLeast = PER_RUN / 2) {
  return fc.asyncProperty(commandsArb(perRun, atLeast), (commands) => fuzzOnce(server, elsewhere, commands, tally));
}

describe('fuzzing every inbound message from every role', () => {
  let server: FastServer;
  let by: Awaited<ReturnType<typeof bystanders>>;

  beforeAll(async () => {
    server = await startFastServer(MANY_SOCKETS, { rateLimit: HIGH_LIMIT });
    by = await bystanders(server);
  });
  afterAll(async () => {
    by.circle.close();
    await server.close();
  });

  it(`${MESSAGES} generated messages get only ok or typed errors, and another session is untouched`, async () => {
    const before = await record(server, by.elsewhere.sessionId);
    const tally = new FuzzTally();
    await fc.assert(property(server, by.elsewhere, tally), { numRuns: Math.ceil(MESSAGES / (0.75 * PER_RUN)), endOnFailure: true });
    expect(tally.faults).toEqual([]);
    expect(tally.messages).toBeGreaterThan(MESSAGES * 0.7);
    expect([...tally.codes.keys()]).not.toContain(ErrorCode.INTERNAL);
    // Every kind of answer is reached: the fuzz gets past validation and authorization into the handlers.
    expect([...tally.codes.keys()]).toEqual(expect.arrayContaining(['BAD_MESSAGE', 'NOT_ALLOWED', 'INVALID_STATE', 'NOT_FOUND']));
    expect([...tally.rows.values()].reduce((n, r) => n + r.ok, 0)).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await record(server, by.elsewhere.sessionId)).toEqual(before);
    // The bystander pair still works: Ben consumes Ann's audio.
    const c = await by.ben.bot.ok('media.consume', { producerId: by.elsewhere.producerId });
    expect(c.peerId).toBe(by.ann.selfId);
    await by.ben.bot.ok('media.resumeConsumer', { consumerId: c.consumerId });
  }, 110_000);

  it('replays of the same join, and requests after leaving, are typed too', async () => {
    const circle = await Circle.open(server);
    const seats = await seatFuzzers(circle, by.elsewhere);
    const tally = new FuzzTally();
    const join = { name: 'session.join' as const, mutation: 'valid' as const, payload: {
      sessionId: '$session', token: '$memberToken', displayName: 'Rex', deviceId: 'replayed-device-0123456', e2eeKey: { publicKey: 'A'.repeat(43), binding: 'B'.repeat(43) },
    } };
    const leave = { name: 'session.leave' as const, mutation: 'valid' as const, payload: {} };
    const consume = { name: 'media.consume' as const, mutation: 'valid' as const, payload: { producerId: '$producer' } };
    const script = [join, join, join, leave, leave, consume, join, consume].map((message) => ({ role: 'unjoined' as const, message }));
    expect(await runCommands(seats, [...script, ...script.map((c) => ({ ...c, role: 'member' as const }))], tally)).toBeUndefined();
    expect(tally.codes.get('INVALID_STATE')).toBeGreaterThan(0);
    circle.close();
  });

  it('claims for another session, and requests after a removal, are typed or find the socket closed', async () => {
    const circle = await Circle.open(server);
    const seats = await seatFuzzers(circle, by.elsewhere);
    const tally = new FuzzTally();
    const v = <N extends FuzzCommand['message']['name']>(name: N, payload: unknown) => ({ name, mutation: 'valid' as const, payload });
    const claim = v('session.claim', { sessionId: '$otherSession', token: '$memberToken', deviceId: 'claiming-device-0123456' });
    const script: FuzzCommand[] = [
      { role: 'unjoined', message: claim }, { role: 'waiting', message: claim },
      { role: 'member', message: v('media.consume', { producerId: '$otherProducer' }) },
      { role: 'facilitator', message: v('facilitator.remove', { peerId: '$otherMember' }) },
      { role: 'facilitator', message: v('facilitator.remove', { peerId: '$member' }) },
      { role: 'member', message: v('media.closeProducer', { producerId: '$producer' }) },
      { role: 'cofacilitator', message: v('facilitator.admit', { peerId: '$member' }) },
    ];
    try {
      expect(await runCommands(seats, script, tally)).toBeUndefined();
      await seats.bots.member.disconnected();
      expect(await runCommands(seats, script.slice(-2), tally)).toBeUndefined();
      expect([...tally.codes.keys()]).toEqual(expect.arrayContaining(['NOT_FOUND']));
      expect([...tally.rows.values()].reduce((n, r) => n + r.closed, 0)).toBeGreaterThanOrEqual(1);
      expect((await record(server, by.elsewhere.sessionId)).roster.members.map((m) => m.id)).toContain(by.ann.selfId);
    } finally {
      circle.close();
    }
  });
});

describe('the property can fail', () => {
  it('a handler that throws on one input is found, and shrunk to that one message', async () => {
    const decorateMedia: BuildOptions['decorateMedia'] = (media) => new Proxy(media, {
      get(target, prop) {
        if (prop === 'setVideoMode') {
          return async (peerId: string, mode: string) => {
            if (mode === 'off') throw new Error('injected fault');
            return target.setVideoMode(peerId, mode as never);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as RoomMedia;
    const server = await startFastServer(MANY_SOCKETS, { rateLimit: HIGH_LIMIT, decorateMedia });
    const by = await bystanders(server);
    try {
      const details = await fc.check(property(server, by.elsewhere, new FuzzTally(), 40, 1), { numRuns: 200, seed: 1313 });
      expect(details.failed).toBe(true);
      const [commands] = details.counterexample!;
      expect(commands).toHaveLength(1);
      expect(commands[0]!.message).toMatchObject({ name: 'media.setReceiveMode', payload: { video: 'off' } });
      expect(String(details.errorInstance)).toContain('INTERNAL');
    } finally {
      by.circle.close();
      await server.close();
    }
  }, 60_000);
});

describe('the rate limiter under fuzz', () => {
  it('a concurrent burst of generated messages gets typed answers, RATE_LIMITED among them', async () => {
    const server = await startFastServer(MANY_SOCKETS, { rateLimit: { burst: 20, perSecond: 5 } });
    const circle = await Circle.open(server);
    try {
      const mel = await circle.member('Mel');
      const values = new Map([['$session', circle.session.sessionId]]);
      const messages = fc.sample(messageArb(PLACE), { numRuns: 200, seed: 7 });
      const outcomes = await Promise.all(messages.map((m) => send(mel.bot, { ...m, payload: resolve(m.payload, values) }, 10_000)));
      expect(outcomes.filter((o) => o.kind === 'fault')).toEqual([]);
      expect(outcomes.filter((o) => o.kind === 'typed' && o.code === 'RATE_LIMITED').length).toBeGreaterThan(100);
    } finally {
      circle.close();
      await server.close();
    }
  }, 30_000);
});
