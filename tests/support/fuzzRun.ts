import fc from 'fast-check';
import type { Bot } from './Bot.js';
import { BOT_RTP } from './Bot.js';
import { Circle } from './circle.js';
import { eventually, type TestServer } from './server.js';
import { messageArb, send, type FuzzMessage, type FuzzTally, type Outcome } from './fuzz.js';

// Running fuzz messages from every role of a session: the seats, the placeholders that aim generated requests at
// real ids (resolved when sent, so a failing case replays and shrinks on a fresh session), and the run itself.

export const FUZZ_ROLES = ['unjoined', 'waiting', 'member', 'cofacilitator', 'facilitator'] as const;
export type FuzzRole = (typeof FUZZ_ROLES)[number];

/** Placeholders the generator uses for real ids; `run` swaps them for the live ones. */
export const PLACE = {
  sessionIds: ['$session', '$otherSession'],
  tokens: ['$memberToken', '$facilitatorToken'],
  ids: ['$member', '$waiting', '$facilitator', '$cofacilitator', '$producer', '$transport', '$otherMember', '$otherProducer', '$otherTransport'],
};

export type FuzzCommand = { role: FuzzRole; message: FuzzMessage };

/** A sequence of commands, each from one role (out-of-order sequences come from the order itself). */
export function commandsArb(maxLength: number, minLength = 1): fc.Arbitrary<FuzzCommand[]> {
  const command = fc.record({ role: fc.constantFrom(...FUZZ_ROLES), message: messageArb(PLACE) });
  return fc.array(command, { minLength, maxLength });
}

/** Another session's live ids (the bystanders'), which every fuzzer may name. */
export interface Elsewhere { sessionId: string; memberId: string; producerId: string; transportId: string }

export interface FuzzSeats { bots: Record<FuzzRole, Bot>; values: Map<string, string> }

/** A session with one socket of each role, a member sending audio, and the placeholder values for it. */
export async function seatFuzzers(circle: Circle, elsewhere: Elsewhere): Promise<FuzzSeats> {
  const fac = circle.facilitator;
  const member = await circle.member('Mo');
  const t = await member.bot.ok('media.createTransport', { direction: 'send' });
  const p = await member.bot.ok('media.produce', { transportId: t.id, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio });
  const inv = await fac.bot.ok('facilitator.createInvite', { role: 'cofacilitator', maxUses: 1, ttlMinutes: 5 });
  const co = await circle.waiting('Cora', { token: inv.token });
  const waiting = await circle.waiting('Wes');
  const unjoined = await circle.connect();
  const values = new Map<string, string>([
    ['$session', circle.session.sessionId], ['$otherSession', elsewhere.sessionId],
    ['$memberToken', circle.session.member.token], ['$facilitatorToken', circle.session.facilitator.token],
    ['$member', member.selfId], ['$waiting', waiting.selfId], ['$facilitator', fac.selfId], ['$cofacilitator', co.selfId],
    ['$producer', p.producerId], ['$transport', t.id],
    ['$otherMember', elsewhere.memberId], ['$otherProducer', elsewhere.producerId], ['$otherTransport', elsewhere.transportId],
  ]);
  return { bots: { unjoined, waiting: waiting.bot, member: member.bot, cofacilitator: co.bot, facilitator: fac.bot }, values };
}

/** The payload with placeholders swapped for live ids; keys (`__proto__` too) kept as own properties. */
export function resolve(v: unknown, values: Map<string, string>): unknown {
  if (typeof v === 'string') return values.get(v) ?? v;
  if (Array.isArray(v)) return v.map((x) => resolve(x, values));
  if (!v || typeof v !== 'object' || v instanceof Uint8Array) return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    Object.defineProperty(out, k, { value: resolve(x, values), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Sends the commands in order, each answer judged and counted; returns the first fault, if any. */
export async function runCommands(seats: FuzzSeats, commands: FuzzCommand[], tally: FuzzTally, ms = 5000): Promise<string | undefined> {
  for (const { role, message } of commands) {
    const live = { ...message, payload: resolve(message.payload, seats.values) };
    const outcome: Outcome = await send(seats.bots[role], live, ms);
    tally.add(role, message, outcome);
    if (outcome.kind === 'fault') return `${role} ${message.name} (${message.mutation}) ${JSON.stringify(live.payload)?.slice(0, 300)}: ${outcome.what}`;
  }
  return undefined;
}

/** The bystanders: another session where Ann sends audio and Ben receives it, which no fuzzer may disturb. */
export async function bystanders(server: TestServer) {
  const circle = await Circle.open(server);
  const ann = await circle.member('Ann');
  const ben = await circle.member('Ben');
  const t = await ann.bot.ok('media.createTransport', { direction: 'send' });
  const p = await ann.bot.ok('media.produce', { transportId: t.id, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio });
  await ben.bot.ok('media.setRtpCapabilities', { rtpCapabilities: ben.room.routerRtpCapabilities });
  await ben.bot.ok('media.createTransport', { direction: 'recv' });
  const elsewhere: Elsewhere = { sessionId: circle.session.sessionId, memberId: ann.selfId, producerId: p.producerId, transportId: t.id };
  return { circle, ann, ben, elsewhere };
}

/**
 * The fuzz test's property body: a fresh session, every role seated, the commands sent; the first fault thrown.
 * Then every socket closes, and the session must let go of everyone: no member record and no media object left.
 */
export async function fuzzOnce(server: TestServer, elsewhere: Elsewhere, commands: FuzzCommand[], tally: FuzzTally): Promise<void> {
  const circle = await Circle.open(server);
  try {
    const seats = await seatFuzzers(circle, elsewhere);
    const fault = await runCommands(seats, commands, tally);
    if (fault) throw new Error(fault);
  } finally {
    circle.close();
  }
  const id = circle.session.sessionId;
  await eventually(async () => {
    const session = server.app.sessions.get(id);
    if (!session) return true; // the fuzz ended it: its router closed with it
    const d = await session.room.media.dump();
    return session.size === 0 && d.transports + d.producers + d.consumers === 0;
  }, 5000, 'the fuzzed session to hold no member and no media object once every socket closed');
  // Then it goes, as at its end, so a long run does not keep hundreds of empty routers.
  const left = server.app.sessions.get(id);
  if (left) await server.app.sessions.end(left);
}
