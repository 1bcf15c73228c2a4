import { ErrorCode, HearthError } from '@hearth/shared';
import type { MediaSpace } from './ports.js';

/** Where a seated member is within the session, beside presence (see shared/src/domain/membership.ts). */
export interface Whereabouts {
  /** "Not private right now": out of the circle's media both ways until they come back. */
  notPrivate: boolean;
  /** In a 1:1 side room with `with` (the room id names the pair's media key, see crypto/keys.ts sideKey). */
  side?: { room: string; with: string };
}

export const inCircle = (): Whereabouts => ({ notPrivate: false });

/** The media rule for a member: apart while not private (even inside a side room), else their room, else the circle. */
export function mediaSpace(w: Whereabouts): MediaSpace {
  return w.notPrivate ? 'apart' : w.side ? `side:${w.side.room}` : 'circle';
}

/** Whether the circle sees the member as stepped away (its tile says so; nothing says where or why). */
export const isApart = (w: Whereabouts): boolean => w.notPrivate || !!w.side;

/** Opens a side room for two members in the circle; neither may already be in one. */
export function openSide(a: Whereabouts, aId: string, b: Whereabouts, bId: string, room: string): void {
  if (a.side || b.side) throw new HearthError(ErrorCode.INVALID_STATE, 'already in a side room');
  a.side = { room, with: bId };
  b.side = { room, with: aId };
}
