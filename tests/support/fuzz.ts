import fc from 'fast-check';
import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ClientRequests, CLIENT_REQUEST_NAMES, ERROR_CODES, ErrorCode, MAX_MESSAGE_BYTES, type Ack, type ClientRequestName } from '@hearth/shared';
import type { Bot } from './Bot.js';

// Property-based fuzzing of the socket protocol: arbitraries generated from the TypeBox request schemas
// (shared/src/protocol/clientToServer.ts), valid-looking first, then mutated the ways a hostile client would.
// Used by tests/fast/fuzz.test.ts, tests/e2e/fuzz.test.ts and the bench (BENCH_ONLY=fuzz).

/** Ids a fuzzer may aim at: real ones (other members, other sessions, media objects), so requests reach the handlers. */
export interface FuzzTargets {
  sessionIds: string[];
  tokens: string[];
  ids: string[];
}

type S = TSchema & Record<string, unknown>;
const isOptional = (s: TSchema) => (s as unknown as Record<symbol, unknown>)[OptionalKind] === 'Optional';

/** A string the schema accepts: from its pattern (lookaheads dropped, then checked), its bounds, or a known id. */
function stringOf(s: S, key: string, t: FuzzTargets): fc.Arbitrary<unknown> {
  const min = (s.minLength as number | undefined) ?? 0;
  const max = Math.min((s.maxLength as number | undefined) ?? 64, 300);
  const fits = (v: string) => Value.Check(s, v);
  let base: fc.Arbitrary<string>;
  if (typeof s.pattern === 'string') {
    const pattern = s.pattern.replace(/\(\?=[^)]*\)/g, '');
    base = fc.stringMatching(new RegExp(pattern), { size: 'small' }).map((v) => (v.length > max ? v.slice(0, max) : v));
  } else {
    base = fc.string({ minLength: min, maxLength: max, unit: 'grapheme' });
  }
  const fallback = 'A'.repeat(Math.max(min, 1)).slice(0, Math.max(max, 1));
  const valid = base.map((v) => (fits(v) ? v : fallback));
  const known = key === 'sessionId' ? t.sessionIds : key === 'token' ? t.tokens : /Id$/.test(key) ? t.ids : [];
  return known.length > 0 ? fc.oneof(fc.constantFrom(...known), valid) : valid;
}

/** Valid-looking values for a schema (TypeBox kinds used by the protocol). */
export function arbitraryOf(schema: TSchema, t: FuzzTargets, key = '', depth = 0): fc.Arbitrary<unknown> {
  const s = schema as S;
  switch (s[Kind]) {
    case 'Object': {
      const props = s.properties as Record<string, TSchema>;
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) record[k] = arbitraryOf(v, t, k, depth + 1);
      const requiredKeys = Object.keys(props).filter((k) => !isOptional(props[k]!));
      return fc.record(record, { requiredKeys });
    }
    case 'String': return stringOf(s, key, t);
    case 'Integer': case 'Number': {
      const min = Math.max((s.minimum as number | undefined) ?? -1000, -(2 ** 31));
      const max = Math.min((s.maximum as number | undefined) ?? 1000, 2 ** 32);
      return fc.integer({ min, max });
    }
    case 'Boolean': return fc.boolean();
    case 'Literal': return fc.constant(s.const);
    case 'Union': return fc.oneof(...(s.anyOf as TSchema[]).map((x) => arbitraryOf(x, t, key, depth + 1)));
    case 'Array': {
      const items = arbitraryOf(s.items as TSchema, t, key, depth + 1);
      return fc.array(items, { minLength: (s.minItems as number | undefined) ?? 0, maxLength: Math.min((s.maxItems as number | undefined) ?? 4, 4) });
    }
    case 'Record': return depth > 3 ? fc.constant({}) : fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
    default: return fc.jsonValue({ maxDepth: 2 });
  }
}

/** The kinds of damage done to a valid-looking request. */
export const MUTATIONS = [
  'valid', 'wrong type', 'missing key', 'extra key', 'prototype key', 'oversized', 'deep nesting', 'special number',
  'number as string', 'binary', 'not an object',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

const WRONG: unknown[] = [null, true, false, 0, -0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53 + 1, 1e308, '', '0', 'true', [], {}, [[]], { a: 1 }];

/** The object paths (key lists) inside a value, the root included. */
function paths(v: unknown, at: string[] = [], out: string[][] = []): string[][] {
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    out.push(at);
    for (const [k, c] of Object.entries(v)) paths(c, [...at, k], out);
  }
  return out;
}

function leaves(v: unknown, at: string[] = [], out: string[][] = []): string[][] {
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) for (const [k, c] of Object.entries(v)) leaves(c, [...at, k], out);
  else if (at.length > 0) out.push(at);
  return out;
}

function get(v: unknown, path: string[]): unknown {
  return path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], v);
}

/** Sets own properties with defineProperty, so `__proto__` becomes a real key that JSON carries. */
function put(v: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = get(v, path.slice(0, -1)) as Record<string, unknown>;
  Object.defineProperty(parent, path.at(-1)!, { value, enumerable: true, writable: true, configurable: true });
  return v;
}

function nest(depth: number, leaf: unknown, asArray: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

/** Applies one mutation, with `pick` (0..1 values from fast-check) choosing where and what. */
export function mutate(valid: unknown, m: Mutation, pick: number[]): unknown {
  const v: unknown = structuredClone(valid);
  const at = <T>(xs: T[], i: number): T | undefined => (xs.length ? xs[Math.floor(pick[i % pick.length]! * xs.length)] : undefined);
  const leaf = at(leaves(v), 0);
  const obj = at(paths(v), 1) ?? [];
  switch (m) {
    case 'valid': return v;
    case 'wrong type': return leaf ? put(v, leaf, at(WRONG, 2)) : at(WRONG, 2);
    case 'missing key': {
      if (!leaf) return v;
      delete (get(v, leaf.slice(0, -1)) as Record<string, unknown>)[leaf.at(-1)!];
      return v;
    }
    case 'extra key': return put(v, [...obj], Object.assign(get(v, obj) as object, { [at(['x', 'role', 'peerId', 'admin', 'ok'], 3)!]: at(WRONG, 2) }));
    case 'prototype key': return put(v, [...obj, at(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'], 3)!], at([{ admin: true }, { polluted: 1 }, 'x', null, 1], 2));
    case 'oversized': return leaf ? put(v, leaf, oversized(pick[2]!)) : oversized(pick[2]!);
    case 'deep nesting': return leaf ? put(v, leaf, nest(20 + Math.floor(pick[2]! * 480), 1, pick[3]! < 0.5)) : nest(300, 1, true);
    case 'special number': return leaf ? put(v, leaf, at([NaN, Infinity, -Infinity, -0, 2 ** 64, -(2 ** 63), 0.5, 1e-320], 2)) : NaN;
    case 'number as string': {
      const num = leaves(v).find((p) => typeof get(v, p) === 'number');
      return num ? put(v, num, String(get(v, num))) : leaf ? put(v, leaf, String(get(v, leaf))) : '1';
    }
    case 'binary': return leaf ? put(v, leaf, new Uint8Array(Math.floor(pick[2]! * 512))) : new Uint8Array(16);
    case 'not an object': return at([null, undefined, 0, 'x', [], [v], true, new Uint8Array(4)], 2);
  }
}

/** Strings and arrays near and over the schema limits (64, 300, 2048, 8192), below the packet limit. */
function oversized(p: number): unknown {
  const n = [41, 65, 257, 301, 2049, 8193, 20_000][Math.floor(p * 7)]!;
  return p * 7 % 1 < 0.5 ? 'x'.repeat(n) : new Array(Math.min(n, 5000)).fill('a');
}

export interface FuzzMessage { name: ClientRequestName; mutation: Mutation; payload: unknown }

/** One message: any request name, a valid-looking payload for it, and a mutation (a third are left valid). */
export function messageArb(t: FuzzTargets): fc.Arbitrary<FuzzMessage> {
  const byName = CLIENT_REQUEST_NAMES.map((name) => arbitraryOf(ClientRequests[name].request, t).map((payload) => ({ name, payload })));
  return fc.tuple(
    fc.oneof(...byName),
    fc.oneof({ arbitrary: fc.constant<Mutation>('valid'), weight: 5 }, { arbitrary: fc.constantFrom(...MUTATIONS), weight: 10 }),
    fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 4, maxLength: 4 }),
  ).map(([{ name, payload }, mutation, pick]) => ({ name, mutation, payload: mutate(payload, mutation, pick) }));
}

/** What came back: an ok, a typed error, the socket closed by the server (removed, ended), or a fault. */
export type Outcome = { kind: 'ok' } | { kind: 'typed'; code: ErrorCode } | { kind: 'closed' } | { kind: 'fault'; what: string };

/** Bytes on the wire, roughly (socket.io's JSON; binary counted by length). */
function wireBytes(payload: unknown): number {
  try {
    return JSON.stringify(payload, (_k, x: unknown) => (x instanceof Uint8Array ? x.length : x))?.length ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Sends one message and judges the answer: `{ ok: true }` or a code of ERROR_CODES other than INTERNAL, within
 * `ms`. A socket the server closed (removal, the end, a packet over the limit) is `closed`, not a fault.
 */
export async function send(bot: Bot, m: FuzzMessage, ms = 5000): Promise<Outcome> {
  if (!bot.socket.connected) return { kind: 'closed' };
  if (wireBytes(m.payload) > MAX_MESSAGE_BYTES - 1024) return { kind: 'closed' };
  let ack: Ack<unknown>;
  try {
    ack = (await bot.socket.timeout(ms).emitWithAck(m.name, m.payload)) as Ack<unknown>;
  } catch {
    return bot.socket.connected ? { kind: 'fault', what: `no answer within ${ms} ms` } : { kind: 'closed' };
  }
  if (ack && typeof ack === 'object' && ack.ok === true) return { kind: 'ok' };
  if (ack && typeof ack === 'object' && ack.ok === false && ERROR_CODES.includes(ack.code) && ack.code !== ErrorCode.INTERNAL) {
    return { kind: 'typed', code: ack.code };
  }
  return { kind: 'fault', what: `answer ${JSON.stringify(ack)}` };
}

/** Counts by role and mutation, for the bench table and the test's summary. */
export class FuzzTally {
  readonly rows = new Map<string, { messages: number; ok: number; typed: number; closed: number }>();
  readonly codes = new Map<string, number>();
  faults: string[] = [];

  add(role: string, m: FuzzMessage, o: Outcome): void {
    const key = `${role}\t${m.mutation}`;
    const row = this.rows.get(key) ?? { messages: 0, ok: 0, typed: 0, closed: 0 };
    row.messages++;
    if (o.kind === 'ok') row.ok++;
    else if (o.kind === 'typed') {
      row.typed++;
      this.codes.set(o.code, (this.codes.get(o.code) ?? 0) + 1);
    } else if (o.kind === 'closed') row.closed++;
    else this.faults.push(`${role} ${m.name} (${m.mutation}): ${o.what}`);
    this.rows.set(key, row);
  }

  get messages(): number {
    return [...this.rows.values()].reduce((n, r) => n + r.messages, 0);
  }
}
