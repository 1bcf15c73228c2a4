import {
  findMember, initialMembership, membershipReducer, type MembershipEffect, type MembershipEvent, type MembershipResult,
  type MembershipState,
} from './membership.js';

// Helpers for the membership machine's tests (membership.test.ts, presence.test.ts). Not built into dist.

export type State = MembershipState<string>;
export type Event = MembershipEvent<string>;

/** A clinical session: a circle of 3, a waiting room of 2. */
export const LIMITS = { maxPeers: 3, maxWaiting: 2 };
export const fresh = (): State => initialMembership<string>('clinical', LIMITS);

/** Applies events in order; a refusal fails the test unless it is the last event. */
export function run(events: Event[], from: State = fresh()): MembershipResult<string> & { all: MembershipEffect<string>[] } {
  let r: MembershipResult<string> = { state: from, effects: [] };
  const all: MembershipEffect<string>[] = [];
  events.forEach((e, i) => {
    r = membershipReducer(r.state, e);
    if (r.refused && i < events.length - 1) throw new Error(`event ${i} (${e.type}) refused: ${r.refused}`);
    all.push(...r.effects);
  });
  return { ...r, all };
}

/** Where device `d` (member `m-d`) stands, or null if outside. */
export const standing = (s: State, d: string) => findMember(s, `m-${d}`)?.standing ?? null;
export const types = (effects: MembershipEffect<string>[]) => effects.map((e) => e.type);
