import { describe, expect, it } from 'vitest';
import { countSeats, findMember, membershipReducer } from './membership.js';
import { run, standing, types, type Event } from './membership.testkit.js';

/** The `away` standing: a dropped link keeps the seat until the grace ends; a resume gives it back as it was. */
const GRACE = 30_000;
const arrival = (d: string, role: 'facilitator' | 'member' = 'member', link = `conn-${d}`): Event => ({
  type: 'arrive', now: 0, id: `m-${d}`, role, deviceId: d, publicKey: 'k1', inviteId: 'inv', link, signed: true,
});

/** Fay the facilitator and Ann are in the circle; Ben waits. */
const circle = () => run([arrival('fay', 'facilitator'), arrival('ann'), { type: 'admit', actor: 'm-fay', target: 'm-ann', now: 0 }, arrival('ben')]).state;
const drop = (d: string, now = 1000): Event => ({ type: 'drop', id: `m-${d}`, now, graceMs: GRACE });

describe('a dropped link: away', () => {
  it('keeps the seat and arrival number, tells the others, asks to be woken at the end of the grace', () => {
    const r = run([drop('ann')], circle());
    expect(standing(r.state, 'ann')).toEqual({ kind: 'away', seq: 2, resumeBy: 1000 + GRACE });
    expect(types(r.effects)).toEqual(['presence', 'expireAt', 'roster']);
    expect(r.effects[1]).toEqual({ type: 'expireAt', id: 'm-ann', at: 1000 + GRACE });
    // No `moved`, no floor change: the place in the stick queue is the seat's.
    expect(countSeats(r.state)).toBe(2);
  });

  it('a waiting member whose link drops simply goes (they hold no seat), and keeps its use of the invite', () => {
    const r = run([drop('ben')], circle());
    expect(standing(r.state, 'ben')).toBeNull();
    // Only a plain Leave gives the use back: a link found later must stay bound to this device (issue 11).
    expect(types(r.effects)).not.toContain('releaseInvite');
  });

  it('a second drop, or a drop of someone unknown, changes nothing', () => {
    const s = run([drop('ann')], circle()).state;
    expect(membershipReducer(s, drop('ann', 2000))).toEqual({ state: s, effects: [] });
    expect(membershipReducer(s, drop('nobody'))).toEqual({ state: s, effects: [] });
  });

  it('the seat still counts against the circle: a full circle stays full while someone is away', () => {
    const s = run([drop('ann'), arrival('cal', 'facilitator')], circle()).state; // 3 seats: fay, ann (away), cal
    const r = membershipReducer(s, arrival('dan', 'facilitator'));
    expect(r.refused).toBe('ROOM_FULL');
  });
});

describe('coming back', () => {
  it('a resume within the grace gives back the same seat with the new connection, and says so', () => {
    const r = run([drop('ann'), { type: 'resume', id: 'm-ann', now: 20_000, link: 'conn-ann-2' }], circle());
    expect(standing(r.state, 'ann')).toEqual({ kind: 'admitted', seq: 2 });
    expect(findMember(r.state, 'm-ann')?.link).toBe('conn-ann-2');
    expect(types(r.effects)).toEqual(['presence', 'roster']);
    expect(r.effects[0]).toMatchObject({ type: 'presence', away: false });
  });

  it('a resume before the server noticed the drop replaces the old connection', () => {
    const r = run([{ type: 'resume', id: 'm-ann', now: 500, link: 'conn-ann-2' }], circle());
    expect(r.effects[0]).toEqual({ type: 'replaced', id: 'm-ann', previous: 'conn-ann' });
    expect(standing(r.state, 'ann')).toEqual({ kind: 'admitted', seq: 2 });
  });

  it('is refused after the grace, for a waiting member, for someone gone, and once the session ended', () => {
    const away = run([drop('ann')], circle()).state;
    expect(membershipReducer(away, { type: 'resume', id: 'm-ann', now: 1000 + GRACE + 1, link: 'x' })).toMatchObject({ refused: 'RESUME_EXPIRED', state: away });
    expect(membershipReducer(away, { type: 'resume', id: 'm-ben', now: 0, link: 'x' }).refused).toBe('RESUME_EXPIRED');
    expect(membershipReducer(away, { type: 'resume', id: 'm-zed', now: 0, link: 'x' }).refused).toBe('RESUME_EXPIRED');
    const ended = run([{ type: 'end', code: 'SESSION_ENDED', now: 0 }], away).state;
    expect(membershipReducer(ended, { type: 'resume', id: 'm-ann', now: 2000, link: 'x' }).refused).toBe('RESUME_EXPIRED');
  });

  it('a reload (a new arrival of the same device) while away replaces the away seat through the usual path', () => {
    const r = run([drop('ann'), arrival('ann', 'member', 'conn-reload')], circle());
    expect(standing(r.state, 'ann')?.kind).toBe('admitted');
    expect(findMember(r.state, 'm-ann')?.link).toBe('conn-reload');
    // The floor hears that the old seat left (it keeps the place) and the new one joined.
    expect(r.effects.filter((e) => e.type === 'floor').map((e) => (e as { change: string }).change)).toEqual(['left', 'joined']);
  });
});

describe('the grace ends', () => {
  it('an expiry at the end of the grace is a leave: out of the circle and off the floor', () => {
    const r = run([drop('ann'), { type: 'expire', id: 'm-ann', now: 1000 + GRACE }], circle());
    expect(standing(r.state, 'ann')).toBeNull();
    expect(types(r.effects)).toEqual(['moved', 'floor', 'roster']);
    expect(r.effects[0]).toMatchObject({ type: 'moved', from: { kind: 'away' }, to: null });
  });

  it('an early or stale expiry changes nothing (the member came back, or a timer fired early)', () => {
    const away = run([drop('ann')], circle()).state;
    expect(membershipReducer(away, { type: 'expire', id: 'm-ann', now: 1000 + GRACE - 1 })).toEqual({ state: away, effects: [] });
    const back = run([{ type: 'resume', id: 'm-ann', now: 5000, link: 'c2' }], away).state;
    expect(membershipReducer(back, { type: 'expire', id: 'm-ann', now: 1000 + GRACE })).toEqual({ state: back, effects: [] });
  });

  it('a facilitator may still mute or remove a member who is away', () => {
    const away = run([drop('ann')], circle()).state;
    const muted = membershipReducer(away, { type: 'mute', actor: 'm-fay', target: 'm-ann', now: 2000 });
    expect(muted.refused).toBeUndefined();
    expect(findMember(muted.state, 'm-ann')?.micLocked).toBe(true);
    const removed = membershipReducer(away, { type: 'remove', actor: 'm-fay', target: 'm-ann', now: 2000 });
    expect(standing(removed.state, 'ann')).toBeNull();
    expect(types(removed.effects)).toContain('floor');
  });
});
