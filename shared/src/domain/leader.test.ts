import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pickLeader, type LeaderCandidate } from './leader.js';
import { ROLES } from '../vocabulary/index.js';

const candidate = fc.record({
  id: fc.string({ minLength: 1, maxLength: 6 }),
  role: fc.constantFrom(...ROLES),
  seq: fc.nat(1000),
  signed: fc.boolean(),
});
const roster = fc.uniqueArray(candidate, { selector: (c) => c.id, maxLength: 12 });

describe('the key leader rule', () => {
  it('every member computes the same leader, whatever order they hold the roster in (self anywhere)', () => {
    fc.assert(
      fc.property(roster, fc.nat(), (members, seed) => {
        const leader = pickLeader(members);
        // Each member's view: the same members, rotated so that member comes first ("me first" must not matter).
        for (let i = 0; i < members.length; i++) {
          const view = [...members.slice(i), ...members.slice(0, i)];
          if (seed % 2) view.reverse();
          expect(pickLeader(view)).toBe(leader);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is the earliest facilitator, else the earliest co-facilitator or secretary, else the member present longest; only signed ones', () => {
    fc.assert(
      fc.property(roster, (members) => {
        const leader = members.find((m) => m.id === pickLeader(members));
        const signed = members.filter((m) => m.signed);
        if (signed.length === 0) {
          expect(leader).toBeUndefined();
          return;
        }
        expect(leader?.signed).toBe(true);
        const rank = (m: LeaderCandidate) => (m.role === 'facilitator' ? 0 : m.role === 'member' ? 2 : 1);
        for (const m of signed) {
          expect(rank(leader!) <= rank(m)).toBe(true);
          if (rank(m) === rank(leader!)) expect(leader!.seq <= m.seq).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('table: a later facilitator does not displace the first; an unsigned facilitator never leads', () => {
    const fay = { id: 'fay', role: 'facilitator', seq: 5, signed: true } as const;
    const cody = { id: 'cody', role: 'cofacilitator', seq: 1, signed: true } as const;
    const ann = { id: 'ann', role: 'member', seq: 0, signed: true } as const;
    const eve = { id: 'eve', role: 'facilitator', seq: 0, signed: false } as const;
    const fran = { id: 'fran', role: 'facilitator', seq: 9, signed: true } as const;
    expect(pickLeader([ann, cody, fay, fran, eve])).toBe('fay');
    expect(pickLeader([ann, cody, fran, eve])).toBe('fran');
    expect(pickLeader([ann, cody, eve])).toBe('cody');
    expect(pickLeader([ann, eve])).toBe('ann');
    expect(pickLeader([eve])).toBeUndefined();
  });
});
