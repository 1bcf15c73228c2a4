import type { ErrorCode } from '../vocabulary/errorCodes.js';
import type { Member, MembershipEffect, MembershipResult, MembershipState, MemberStanding } from './membership.js';

// The membership machine's working parts (membership.ts): a change under way, and a refusal.

export function sameStanding(a: MemberStanding | null, b: MemberStanding | null): boolean {
  if (a === null || b === null) return a === b;
  return a.kind === b.kind && JSON.stringify(a) === JSON.stringify(b);
}

/** A change under way: the next state, built up with its effects. */
export class Step<L> {
  readonly effects: MembershipEffect<L>[] = [];
  constructor(public state: MembershipState<L>) {}

  /** Replaces a member's record in place, or adds it last. */
  put(m: Member<L>): void {
    const members = this.state.members;
    const at = members.findIndex((x) => x.id === m.id);
    this.state = { ...this.state, members: at < 0 ? [...members, m] : members.map((x, i) => (i === at ? m : x)) };
  }

  drop(id: string): void {
    this.state = { ...this.state, members: this.state.members.filter((x) => x.id !== id) };
  }

  /** Moves a member to a standing (or out), announcing it; a seat gets the next arrival number. */
  move(before: Member<L> | undefined, after: Member<L> | null): void {
    const member = after ?? before;
    if (!member) return;
    if (after) this.put(after);
    else this.drop(member.id);
    const from = before?.standing ?? null;
    const to = after?.standing ?? null;
    if (!sameStanding(from, to)) this.effects.push({ type: 'moved', member, from, to });
    if (after?.standing.kind === 'admitted') {
      this.state = { ...this.state, admittedDevices: { ...this.state.admittedDevices, [after.deviceId]: after.publicKey } };
    }
  }

  seat(): MemberStanding {
    const standing: MemberStanding = { kind: 'admitted', seq: this.state.nextSeq };
    this.state = { ...this.state, nextSeq: this.state.nextSeq + 1 };
    return standing;
  }

  emit(...effects: MembershipEffect<L>[]): void {
    this.effects.push(...effects);
  }

  done(): MembershipResult<L> {
    return { state: this.state, effects: this.effects };
  }
}

export const refuse = <L>(state: MembershipState<L>, code: ErrorCode, detail?: string): MembershipResult<L> =>
  ({ state, effects: [], refused: code, ...(detail ? { detail } : {}) });

