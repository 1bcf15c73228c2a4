import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../vocabulary/index.js';
import {
  countSeats, countWaiting, findMember, initialMembership, membershipReducer, type MemberStanding, type MembershipEffect,
  type MembershipEvent, type MembershipResult, type MembershipState,
} from './membership.js';
import { isModerator } from './permissions.js';
import { LIMITS, fresh, run, standing, types, type Event, type State } from './membership.testkit.js';

/** An arrival of device `d` (member id `m-d`): a member with key `k1`, unless told otherwise. */
function arrival(d: string, o: { role?: Role; key?: string; signed?: boolean; link?: string; inviteRefused?: 'TOKEN_REVOKED' } = {}): Event {
  return {
    type: 'arrive', now: 0, id: `m-${d}`, role: o.role ?? 'member', deviceId: d, publicKey: o.key ?? 'k1', inviteId: 'inv',
    link: o.link ?? `conn-${d}`, signed: o.signed ?? false, ...(o.inviteRefused ? { inviteRefused: o.inviteRefused } : {}),
  };
}
const on = (type: 'admit' | 'deny' | 'remove' | 'mute' | 'askUnmute' | 'stopCamera' | 'allowCamera', actor: string, target: string): Event =>
  ({ type, actor: `m-${actor}`, target: `m-${target}`, now: 0 });

/** Fay the facilitator is in; Ann and Ben wait. */
const scene = () => run([arrival('fay', { role: 'facilitator' }), arrival('ann'), arrival('ben')]).state;

describe('arrivals and admission', () => {
  it('moderators sit at once; members wait; an admission seats them with the next arrival number', () => {
    const s = scene();
    expect([standing(s, 'fay'), standing(s, 'ann')]).toEqual([{ kind: 'admitted', seq: 1 }, { kind: 'waiting' }]);
    const r = run([on('admit', 'fay', 'ann')], s);
    expect(standing(r.state, 'ann')).toEqual({ kind: 'admitted', seq: 2 });
    expect(types(r.effects)).toEqual(['moved', 'floor', 'audit', 'roster']);
    expect(r.effects[2]).toEqual({ type: 'audit', actor: 'm-fay', action: 'admitted', target: 'm-ann' });
    expect(run([on('admit', 'fay', 'ann')], r.state)).toMatchObject({ refused: 'INVALID_STATE', detail: 'not waiting' });
  });

  it.each([
    ['a role this kind of session does not have', arrival('sec', { role: 'secretary' }), 'TOKEN_INVALID'],
    ['a revoked invite', arrival('cal', { inviteRefused: 'TOKEN_REVOKED' }), 'TOKEN_REVOKED'],
    ['a third member while two wait', arrival('cal'), 'ROOM_FULL'],
  ] as const)('refuses %s, and changes nothing', (what, event, code) => {
    const s = what === 'a third member while two wait' ? scene() : run([{ type: 'leave', id: 'm-ben', now: 0 }], scene()).state;
    expect(membershipReducer(s, event)).toMatchObject({ state: s, effects: [], refused: code });
  });

  it('a full waiting room never refuses a moderator, nor a device coming back with its key', () => {
    const s = run([arrival('ann'), on('admit', 'fay', 'ann'), { type: 'leave', id: 'm-ann', now: 1 }, arrival('ben'), arrival('cal')],
      run([arrival('fay', { role: 'facilitator' })]).state).state;
    expect(countWaiting(s)).toBe(2);
    expect(run([arrival('flo', { role: 'cofacilitator' })], s).refused).toBeUndefined();
    expect(standing(run([arrival('ann')], s).state, 'ann')).toMatchObject({ kind: 'admitted' });
  });

  it('the circle cap counts seats only: admission and a direct arrival are refused when it is full', () => {
    const s = run([on('admit', 'fay', 'ann'), on('admit', 'fay', 'ben')], scene()).state;
    expect(countSeats(s)).toBe(3);
    expect(run([arrival('cal'), on('admit', 'fay', 'cal')], s).refused).toBe('ROOM_FULL');
    expect(run([arrival('flo', { role: 'facilitator' })], s).refused).toBe('ROOM_FULL');
    const admitted = run([arrival('cal'), arrival('dee')], run([{ type: 'leave', id: 'm-ben', now: 1 }], s).state);
    const all = run([{ type: 'admitAll', actor: 'm-fay', now: 2 }], admitted.state);
    expect(all.effects.filter((e) => e.type === 'moved').map((e) => e.member.id)).toEqual(['m-cal']);
  });

  it('admit all with a list admits exactly the waiting members listed', () => {
    const s = run([arrival('cal', { role: 'member' })], run([{ type: 'leave', id: 'm-ben', now: 0 }], scene()).state).state;
    const r = run([{ type: 'admitAll', actor: 'm-fay', targets: ['m-cal', 'm-fay', 'm-nobody', 'm-cal'], now: 1 }], s);
    expect([standing(r.state, 'cal'), standing(r.state, 'ann')]).toEqual([{ kind: 'admitted', seq: 2 }, { kind: 'waiting' }]);
  });

  it('a device coming back with another key waits again, unless the key is signed', () => {
    const s = run([on('admit', 'fay', 'ann'), { type: 'leave', id: 'm-ann', now: 1 }], scene()).state;
    expect(standing(run([arrival('ann', { key: 'k2' })], s).state, 'ann')).toEqual({ kind: 'waiting' });
    expect(standing(run([arrival('ann', { key: 'k2', signed: true })], s).state, 'ann')).toEqual({ kind: 'admitted', seq: 3 });
    expect(standing(run([arrival('ann', { key: 'k1' })], s).state, 'ann')).toEqual({ kind: 'admitted', seq: 3 });
  });

  it('the same device again replaces its connection: the old one yields, the floor keeps its place, a new seat number', () => {
    const s = run([on('admit', 'fay', 'ann')], scene()).state;
    const r = run([arrival('ann', { link: 'second-tab' })], s);
    expect(r.effects).toEqual([
      { type: 'useInvite', inviteId: 'inv', deviceId: 'ann' },
      { type: 'replaced', id: 'm-ann', previous: 'conn-ann' },
      { type: 'moved', member: findMember(r.state, 'm-ann'), from: { kind: 'admitted', seq: 2 }, to: { kind: 'admitted', seq: 3 } },
      { type: 'floor', change: 'left', id: 'm-ann' },
      { type: 'floor', change: 'joined', id: 'm-ann' },
      { type: 'roster' },
    ]);
    expect(findMember(r.state, 'm-ann')?.link).toBe('second-tab');
    expect(r.state.members.map((m) => m.id)).toEqual(['m-fay', 'm-ben', 'm-ann']);
  });

  it('a device that leaves the waiting room before it was ever admitted gives its invite use back', () => {
    const r = run([{ type: 'leave', id: 'm-ann', now: 1 }, { type: 'leave', id: 'm-ann', now: 2 }], scene());
    expect(r.all).toContainEqual({ type: 'releaseInvite', inviteId: 'inv', deviceId: 'ann' });
    const back = run([on('admit', 'fay', 'ann'), { type: 'leave', id: 'm-ann', now: 1 }, arrival('ann', { key: 'k2' }), { type: 'leave', id: 'm-ann', now: 2 }], scene());
    expect(types(back.all)).not.toContain('releaseInvite');
  });

  it('a waiting device that leaves in a hurry (quick exit) or whose link drops keeps its use: the link stays bound to it', () => {
    const quick = run([{ type: 'leave', id: 'm-ann', now: 1, keepInvite: true }], scene());
    expect(types(quick.all)).not.toContain('releaseInvite');
    expect(findMember(quick.state, 'm-ann')).toBeUndefined();
    const dropped = run([{ type: 'drop', id: 'm-ann', now: 1, graceMs: 60_000 }], scene());
    expect(types(dropped.all)).not.toContain('releaseInvite');
    expect(findMember(dropped.state, 'm-ann')).toBeUndefined();
  });
});

describe('lock, removal and end', () => {
  it('a locked session turns new arrivals away, but not moderators, devices admitted before, or a reload', () => {
    const s = run([on('admit', 'fay', 'ann'), { type: 'leave', id: 'm-ann', now: 1 }, { type: 'lock', actor: 'm-fay', locked: true, now: 2 }], scene()).state;
    expect(run([arrival('cal')], s).refused).toBe('ROOM_LOCKED');
    expect(run([arrival('cal', { inviteRefused: 'TOKEN_REVOKED' })], s).refused).toBe('ROOM_LOCKED');
    expect(run([arrival('ann')], s).refused).toBeUndefined();
    expect(run([arrival('ann', { key: 'k2' })], s).refused).toBeUndefined();
    expect(run([arrival('ben')], s).refused).toBeUndefined();
    expect(run([arrival('flo', { role: 'cofacilitator' })], s).refused).toBeUndefined();
    expect(run([{ type: 'lock', actor: 'm-fay', locked: false, now: 3 }, arrival('cal')], s).refused).toBeUndefined();
  });

  it('removal bans the device: told why, forgotten as admitted, and never back, whatever key it brings', () => {
    const s = run([on('admit', 'fay', 'ann')], scene()).state;
    const r = run([{ type: 'remove', actor: 'm-fay', target: 'm-ann', note: 'We will call you.', now: 1 }], s);
    const ann = findMember(s, 'm-ann')!;
    expect(r.effects).toEqual([
      { type: 'banned', member: ann },
      { type: 'audit', actor: 'm-fay', action: 'removed', target: 'm-ann' },
      { type: 'floor', change: 'removed', id: 'm-ann' },
      { type: 'moved', member: ann, from: { kind: 'admitted', seq: 2 }, to: null },
      { type: 'close', member: ann, code: 'REMOVED', note: 'We will call you.' },
      { type: 'roster' },
    ]);
    for (const back of [arrival('ann'), arrival('ann', { key: 'k2', signed: true }), arrival('ann', { role: 'facilitator' })]) {
      expect(membershipReducer(r.state, back).refused).toBe('REMOVED');
    }
  });

  it('deny closes a waiting member with the note; only a waiting one', () => {
    const r = run([{ type: 'deny', actor: 'm-fay', target: 'm-ann', note: 'Full tonight.', now: 1 }], scene());
    expect(r.effects).toContainEqual(expect.objectContaining({ type: 'close', code: 'DENIED', note: 'Full tonight.' }));
    expect(standing(r.state, 'ann')).toBeNull();
    expect(membershipReducer(r.state, { type: 'deny', actor: 'm-fay', target: 'm-fay', now: 2 })).toMatchObject({ refused: 'INVALID_STATE' });
  });

  it('only a facilitator acts on a facilitator; nobody on themselves; nobody on a stranger', () => {
    const s = run([arrival('cora', { role: 'cofacilitator' }), arrival('flo', { role: 'facilitator' })], scene()).state;
    for (const type of ['mute', 'askUnmute', 'stopCamera', 'allowCamera', 'remove', 'deny', 'admit'] as const) {
      expect(membershipReducer(s, on(type, 'cora', 'fay')).refused, type).toBe('NOT_ALLOWED');
    }
    expect(membershipReducer(s, on('mute', 'flo', 'fay')).refused).toBeUndefined();
    expect(membershipReducer(s, on('mute', 'fay', 'fay')).refused).toBe('INVALID_STATE');
    expect(membershipReducer(s, on('mute', 'fay', 'nobody')).refused).toBe('NOT_FOUND');
    expect(membershipReducer(s, on('mute', 'fay', 'ann'))).toMatchObject({ refused: 'INVALID_STATE', detail: 'not in the circle' });
  });

  it('end closes everyone with its code, once; nobody arrives afterwards', () => {
    const r = run([{ type: 'end', code: 'SESSION_LOST', now: 1 }], scene());
    expect(r.effects.map((e) => (e.type === 'close' ? `${e.member.id} ${e.code}` : e.type))).toEqual([
      'm-fay SESSION_LOST', 'm-ann SESSION_LOST', 'm-ben SESSION_LOST', 'ended',
    ]);
    expect(run([{ type: 'end', code: 'SESSION_ENDED', now: 2 }], r.state).effects).toEqual([]);
    expect(run([arrival('fay', { role: 'facilitator' })], r.state).refused).toBe('SESSION_NOT_FOUND');
  });
});

describe('mic and camera locks', () => {
  it('mute pauses and locks the mic, ask-to-unmute lifts it; stop camera closes and locks it, allow lifts it', () => {
    const s = run([on('admit', 'fay', 'ann')], scene()).state;
    const muted = run([on('mute', 'fay', 'ann')], s);
    expect(muted.effects.slice(0, 2)).toEqual([
      { type: 'pauseMic', id: 'm-ann' }, { type: 'locks', id: 'm-ann', micLocked: true, cameraLocked: false, askedToUnmute: false },
    ]);
    const stopped = run([on('stopCamera', 'fay', 'ann')], muted.state);
    expect(stopped.effects[0]).toEqual({ type: 'closeCamera', id: 'm-ann' });
    const asked = run([on('askUnmute', 'fay', 'ann'), on('allowCamera', 'fay', 'ann')], stopped.state);
    expect(asked.all.filter((e) => e.type === 'locks')).toEqual([
      { type: 'locks', id: 'm-ann', micLocked: false, cameraLocked: true, askedToUnmute: true },
      { type: 'locks', id: 'm-ann', micLocked: false, cameraLocked: false, askedToUnmute: false },
    ]);
    expect(asked.all.filter((e) => e.type === 'audit').map((e) => e.type === 'audit' && e.action)).toEqual(['asked to unmute', 'allowed the camera of']);
  });

  it('mute all locks the members in the circle, not the moderators, and says how many', () => {
    const s = run([on('admit', 'fay', 'ann'), arrival('flo', { role: 'facilitator' })], scene()).state;
    const r = run([{ type: 'muteAll', actor: 'm-fay', now: 1 }], s);
    expect(r.effects.filter((e) => e.type === 'pauseMic')).toEqual([{ type: 'pauseMic', id: 'm-ann' }]);
    expect(r.effects).toContainEqual({ type: 'audit', actor: 'm-fay', action: 'muted everyone (1)' });
    expect(findMember(r.state, 'm-flo')?.micLocked).toBe(false);
  });
});

describe('properties over random event sequences', () => {
  const devices = ['d1', 'd2', 'd3', 'd4', 'd5'];
  const member = fc.constantFrom(...devices.map((d) => `m-${d}`), 'm-nobody');
  // Weighted so that a sequence lives long enough (an end stops everything) to ban, lock, fill and come back.
  const event = fc.oneof(
    { weight: 40, arbitrary: fc.record({
      type: fc.constant('arrive' as const), d: fc.constantFrom(...devices), role: fc.constantFrom<Role>(...ROLES, 'member', 'member'),
      key: fc.constantFrom('k1', 'k2'), signed: fc.boolean(), inviteRefused: fc.constantFrom(undefined, undefined, undefined, undefined, 'TOKEN_USED_UP' as const),
    }) },
    { weight: 40, arbitrary: fc.record({
      type: fc.constantFrom('admit' as const, 'deny' as const, 'remove' as const, 'mute' as const, 'askUnmute' as const, 'stopCamera' as const, 'allowCamera' as const),
      actor: member, target: member,
    }) },
    { weight: 10, arbitrary: fc.record({ type: fc.constant('admitAll' as const), actor: member, targets: fc.option(fc.array(member, { maxLength: 4 }), { nil: undefined }) }) },
    { weight: 10, arbitrary: fc.record({ type: fc.constant('lock' as const), actor: member, locked: fc.boolean() }) },
    { weight: 20, arbitrary: fc.record({ type: fc.constant('leave' as const), id: member }) },
    { weight: 5, arbitrary: fc.record({ type: fc.constant('muteAll' as const), actor: member }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('end' as const), code: fc.constant('SESSION_ENDED' as const) }) },
  );
  type Raw = typeof event extends fc.Arbitrary<infer T> ? T : never;
  const toEvent = (raw: Raw, now: number): Event => {
    if (raw.type !== 'arrive') return { ...raw, now } as Event;
    const { d, role, key, signed, inviteRefused } = raw;
    return arrival(d, { role, key, signed, ...(inviteRefused ? { inviteRefused: 'TOKEN_REVOKED' } : {}) });
  };
  const steps = fc.array(event, { minLength: 10, maxLength: 80, size: 'max' });

  /** Replays random events, checking each step against the state before it. */
  function replay(raws: Raw[], check: (before: State, e: Event, r: MembershipResult<string>) => void): void {
    let s = fresh();
    raws.forEach((raw, i) => {
      const e = toEvent(raw, i);
      const r = membershipReducer(s, e);
      check(s, e, r);
      s = r.state;
    });
  }
  const prop = (check: Parameters<typeof replay>[1]) => fc.assert(fc.property(steps, (raws) => replay(raws, check)), { numRuns: 300 });

  it('a refusal changes nothing', () => {
    prop((before, _e, r) => {
      if (r.refused) expect(r).toMatchObject({ state: before, effects: [] });
    });
  });

  it('a banned device never gets back in', () => {
    prop((before, e, r) => {
      for (const m of r.state.members) expect(r.state.bannedDevices).not.toContain(m.deviceId);
      for (const d of before.bannedDevices) expect(r.state.bannedDevices).toContain(d);
      if (e.type === 'arrive' && before.bannedDevices.includes(e.deviceId)) expect(r.refused).toBeDefined();
    });
  });

  it('a locked session lets in only moderators, devices admitted before, and devices already there', () => {
    prop((before, e, r) => {
      if (e.type !== 'arrive' || !before.locked || r.refused) return;
      const allowed = isModerator(e.role) || before.admittedDevices[e.deviceId] !== undefined || !!findMember(before, e.id);
      expect(allowed).toBe(true);
    });
  });

  it('nobody both waits and sits, and caps are never exceeded', () => {
    prop((_before, _e, r) => {
      const ids = r.state.members.map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(countSeats(r.state)).toBeLessThanOrEqual(LIMITS.maxPeers);
      expect(countWaiting(r.state)).toBeLessThanOrEqual(LIMITS.maxWaiting);
      const seqs = r.state.members.flatMap((m) => (m.standing.kind === 'waiting' ? [] : [m.standing.seq]));
      expect(new Set(seqs).size).toBe(seqs.length);
      for (const seq of seqs) expect(seq).toBeLessThan(r.state.nextSeq);
    });
  });

  it('every change of standing is announced exactly once, from where it was to where it is', () => {
    prop((before, _e, r) => {
      if (r.effects.some((x) => x.type === 'ended')) {
        expect(r.state.members).toEqual([]);
        expect(r.effects.filter((x) => x.type === 'close')).toHaveLength(before.members.length);
        return;
      }
      const ids = new Set([...before.members, ...r.state.members].map((m) => m.id));
      for (const id of ids) {
        const from: MemberStanding | null = findMember(before, id)?.standing ?? null;
        const to: MemberStanding | null = findMember(r.state, id)?.standing ?? null;
        const moves = r.effects.filter((x) => x.type === 'moved' && x.member.id === id);
        expect(moves).toEqual(JSON.stringify(from) === JSON.stringify(to) ? [] : [expect.objectContaining({ from, to })]);
      }
    });
  });
});
