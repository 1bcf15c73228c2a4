import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TURN_MODES } from '../vocabulary/index.js';
import {
  GRACE_MS, audibleMembers, initialTurns, nextWake, turnReducer, type TurnEffect, type TurnEvent, type TurnState,
} from './turns.js';

const PORTS = new Set(['announce', 'audible', 'wakeAt']);

/** Applies events; `effects`: the floor's own (turns, warnings, expiries), `ports`: what the server must do. */
function run(events: TurnEvent[], from: TurnState = initialTurns()) {
  let state = from;
  const all: TurnEffect[] = [];
  for (const e of events) {
    const r = turnReducer(state, e);
    state = r.state;
    all.push(...r.effects);
  }
  return { state, effects: all.filter((e) => !PORTS.has(e.type)), ports: all.filter((e) => PORTS.has(e.type)) };
}

const join = (...ids: string[]): TurnEvent[] => ids.map((id) => ({ type: 'joined', id, now: 0 }));

function invariants(s: TurnState): void {
  expect(new Set(s.queue).size).toBe(s.queue.length);
  expect(new Set(s.order).size).toBe(s.order.length);
  if (s.holder !== null) {
    expect(s.members).toContain(s.holder);
    expect(s.queue).not.toContain(s.holder);
    expect(s.order).not.toContain(s.holder);
  }
  for (const id of [...s.queue, ...s.order]) expect(s.members).toContain(id);
  if (s.mode === 'open' || s.mode === 'facilitator') {
    expect(s.holder).toBeNull();
    expect(s.queue).toEqual([]);
  }
  if (s.mode !== 'stick') expect(s.queue).toEqual([]);
  expect(s.endsAt === null).toBe(s.holder === null || s.limitMs === null);
}

describe('talking stick', () => {
  it('the first request takes the stick; later ones queue; pass hands it on in order', () => {
    const { state, effects } = run([...join('a', 'b', 'c'), { type: 'setMode', mode: 'stick', now: 1 },
      { type: 'request', id: 'b', now: 2 }, { type: 'request', id: 'c', now: 3 }, { type: 'request', id: 'a', now: 4 },
      { type: 'request', id: 'c', now: 5 }, { type: 'pass', id: 'b', now: 6 }]);
    expect(state.holder).toBe('c');
    expect(state.queue).toEqual(['a']);
    expect(effects.filter((e) => e.type === 'turnChanged').map((e) => e.type === 'turnChanged' && e.holder)).toEqual(['b', 'c']);
    expect(audibleMembers(state)).toEqual(['c']);
  });

  it('a pass from someone else, or for an earlier turn, is stale and ignored', () => {
    const s = run([...join('a', 'b'), { type: 'setMode', mode: 'stick', now: 0 }, { type: 'request', id: 'a', now: 0 }, { type: 'request', id: 'b', now: 0 }]).state;
    expect(run([{ type: 'pass', id: 'b', now: 1 }], s).state.holder).toBe('a');
    expect(run([{ type: 'pass', id: 'a', turn: s.turn - 1, now: 1 }], s).state.holder).toBe('a');
    expect(run([{ type: 'pass', id: 'a', turn: s.turn, now: 1 }], s).state.holder).toBe('b');
  });

  it('a time limit warns, then moves the stick on unless extended', () => {
    const s = run([...join('a', 'b'), { type: 'setLimit', ms: 120_000, now: 0 }, { type: 'setMode', mode: 'stick', now: 0 },
      { type: 'request', id: 'a', now: 0 }, { type: 'request', id: 'b', now: 0 }]).state;
    expect(s.endsAt).toBe(120_000);
    const warned = run([{ type: 'tick', now: 89_999 }, { type: 'tick', now: 90_000 }, { type: 'tick', now: 90_001 }], s);
    expect(warned.effects).toEqual([{ type: 'warning', holder: 'a', remainingMs: 30_000 }]);
    const extended = run([{ type: 'extend', ms: 60_000, now: 100_000 }, { type: 'tick', now: 120_000 }], warned.state);
    expect(extended.state.holder).toBe('a');
    const expired = run([{ type: 'tick', now: 180_000 }], extended.state);
    expect(expired.effects).toEqual([{ type: 'expired', holder: 'a' }, { type: 'turnChanged', holder: 'b' }]);
    expect(expired.state.endsAt).toBe(180_000 + 120_000);
  });

  it('go-around: the stick passes in arrival order; passing skips to the next; the round ends with no holder', () => {
    const r = run([...join('a', 'b', 'c'), { type: 'setMode', mode: 'goaround', now: 0 }, { type: 'pass', id: 'a', now: 1 }, { type: 'pass', id: 'b', now: 2 }, { type: 'pass', id: 'c', now: 3 }]);
    expect(r.effects.map((e) => e.type === 'turnChanged' && e.holder)).toEqual(['a', 'b', 'c', null]);
    expect(r.state.mode).toBe('goaround');
    expect(audibleMembers(r.state)).toEqual([]);
  });

  it('a facilitator can pass the stick to a named member, and take it back', () => {
    const s = run([...join('a', 'b'), { type: 'setMode', mode: 'stick', now: 0 }, { type: 'request', id: 'a', now: 0 }, { type: 'request', id: 'b', now: 0 },
      { type: 'passTo', id: 'b', now: 1 }]).state;
    expect([s.holder, s.queue]).toEqual(['b', []]);
    expect(run([{ type: 'takeBack', now: 2 }], s).state.holder).toBeNull();
  });

  it('a holder who drops hands the stick on, and gets their place back within the grace period', () => {
    const s = run([...join('a', 'b', 'c'), { type: 'setMode', mode: 'stick', now: 0 }, { type: 'request', id: 'a', now: 0 },
      { type: 'request', id: 'b', now: 0 }, { type: 'request', id: 'c', now: 0 }, { type: 'left', id: 'a', now: 10 }]).state;
    expect([s.holder, s.queue]).toEqual(['b', ['c']]);
    expect(run([{ type: 'joined', id: 'a', now: 10 + GRACE_MS - 1 }], s).state.queue).toEqual(['a', 'c']);
    expect(run([{ type: 'joined', id: 'a', now: 10 + GRACE_MS }], s).state.queue).toEqual(['c']);
  });

  it('a removed member leaves the queue for good', () => {
    const s = run([...join('a', 'b'), { type: 'setMode', mode: 'stick', now: 0 }, { type: 'request', id: 'a', now: 0 }, { type: 'request', id: 'b', now: 0 },
      { type: 'removed', id: 'b', now: 1 }, { type: 'joined', id: 'b', now: 2 }]).state;
    expect(s.queue).toEqual([]);
  });

  it('open floor: everyone is heard; facilitator only: no member is', () => {
    expect(audibleMembers(run(join('a')).state)).toBe('all');
    expect(audibleMembers(run([...join('a'), { type: 'setMode', mode: 'facilitator', now: 0 }]).state)).toEqual([]);
  });
});

describe('what the server must do', () => {
  it('announces a changed view, forwards the holder alone, and asks to be woken for the warning and the expiry', () => {
    const s = run([...join('a', 'b'), { type: 'setLimit', ms: 120_000, now: 0 }]);
    expect(s.ports).toEqual([{ type: 'announce' }]); // the limit is part of the view; nobody holds the floor yet
    const stick = run([{ type: 'setMode', mode: 'stick', now: 0 }, { type: 'request', id: 'a', now: 0 }], s.state);
    expect(stick.ports).toEqual([
      { type: 'announce' }, { type: 'audible', speakers: [] },
      { type: 'announce' }, { type: 'audible', speakers: ['a'] }, { type: 'wakeAt', at: 90_000 },
    ]);
    expect(run([{ type: 'request', id: 'a', now: 1 }, { type: 'cancel', id: 'b', now: 1 }], stick.state).ports).toEqual([]);
    expect(run([{ type: 'tick', now: 90_000 }], stick.state).ports).toEqual([{ type: 'wakeAt', at: 120_000 }]);
    expect(run([{ type: 'setMode', mode: 'open', now: 5 }], stick.state).ports).toEqual([
      { type: 'announce' }, { type: 'audible', speakers: 'all' }, { type: 'wakeAt', at: null },
    ]);
  });
});

describe('properties over random event sequences', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const id = fc.constantFrom(...ids);
  const event = fc.oneof(
    fc.record({ type: fc.constant('setMode' as const), mode: fc.constantFrom(...TURN_MODES) }),
    fc.record({ type: fc.constant('setLimit' as const), ms: fc.option(fc.integer({ min: 1000, max: 300_000 }), { nil: null }) }),
    fc.record({ type: fc.constantFrom('request' as const, 'cancel' as const, 'passTo' as const, 'joined' as const, 'left' as const, 'removed' as const), id }),
    fc.record({ type: fc.constant('pass' as const), id, turn: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }) }),
    fc.record({ type: fc.constant('takeBack' as const) }),
    fc.record({ type: fc.constant('extend' as const), ms: fc.integer({ min: 1000, max: 60_000 }) }),
    fc.record({ type: fc.constant('tick' as const) }),
  );
  /** Applies random events at random intervals, checking each step. */
  function replay(steps: [unknown, number][], check: (before: TurnState, r: ReturnType<typeof turnReducer>) => void): void {
    let s = initialTurns();
    let now = 0;
    for (const [e, dt] of steps) {
      now += dt;
      const r = turnReducer(s, { ...(e as object), now } as TurnEvent);
      check(s, r);
      s = r.state;
    }
  }
  const timed = fc.array(fc.tuple(event, fc.integer({ min: 0, max: 90_000 })), { maxLength: 60 });

  it('keep every invariant: at most one holder, no duplicates, only present members hold or wait', () => {
    fc.assert(
      fc.property(timed, (steps) => replay(steps, (_before, r) => invariants(r.state))),
      { numRuns: 500 },
    );
  });

  it('ask the server to announce exactly the changes of view, and to forward audio exactly when the speakers change', () => {
    fc.assert(
      fc.property(timed, (steps) =>
        replay(steps, (before, r) => {
          const view = (s: TurnState) => JSON.stringify([s.mode, s.holder, s.queue, s.order, s.limitMs, s.endsAt, s.turn]);
          expect(r.effects.filter((x) => x.type === 'announce').length).toBe(view(before) === view(r.state) ? 0 : 1);
          const audible = r.effects.filter((x) => x.type === 'audible');
          const same = JSON.stringify(audibleMembers(before)) === JSON.stringify(audibleMembers(r.state));
          expect(audible).toEqual(same ? [] : [{ type: 'audible', speakers: audibleMembers(r.state) }]);
          const wake = r.effects.filter((x) => x.type === 'wakeAt');
          if (nextWake(before) !== nextWake(r.state)) expect(wake).toEqual([{ type: 'wakeAt', at: nextWake(r.state) }]);
        }),
      ),
      { numRuns: 300 },
    );
  });

  it('never hand the stick to someone who is not there, and announce every change exactly once', () => {
    fc.assert(
      fc.property(timed, (steps) =>
        replay(steps, (before, r) => {
          const changes = r.effects.filter((x) => x.type === 'turnChanged');
          expect(changes.length).toBe(r.state.holder === before.holder ? 0 : 1);
        }),
      ),
      { numRuns: 500 },
    );
  });
});
