import type { Role } from '../vocabulary/index.js';

/**
 * Who hands out group keys: one rule that every browser and the server compute alike from the server's ordered
 * roster (each member's arrival number `seq`), never from "me first".
 *
 *   the earliest-arrived facilitator present, else the earliest co-facilitator or secretary, else the member
 *   present longest — counting only members whose place in the encrypted group is signed.
 */
export interface LeaderCandidate {
  id: string;
  role: Role;
  /** Arrival order in the circle, assigned by the server; a member who leaves and returns gets a new one. */
  seq: number;
  /** Holds a verified certificate (browsers) / a verified one was presented (server). */
  signed: boolean;
}

const RANK: Readonly<Record<Role, number>> = { facilitator: 0, cofacilitator: 1, secretary: 1, member: 2 };

export function pickLeader(members: readonly LeaderCandidate[]): string | undefined {
  let best: LeaderCandidate | undefined;
  for (const m of members) {
    if (!m.signed) continue;
    if (!best || RANK[m.role] < RANK[best.role] || (RANK[m.role] === RANK[best.role] && (m.seq < best.seq || (m.seq === best.seq && m.id < best.id)))) {
      best = m;
    }
  }
  return best?.id;
}
