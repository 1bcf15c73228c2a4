import { ErrorCode, HearthError, mayActOn, type ClientRequestName, type RequestOf, type ResponseOf } from '@hearth/shared';
import { randomId } from '@hearth/shared/links';
import { SessionCore } from './SessionCore.js';

type Req<K extends ClientRequestName> = RequestOf<K>;
type Res<K extends ClientRequestName> = Promise<ResponseOf<K>>;
const done = {};

/**
 * The session's verbs for the way in and out (issue 11): the private-space check a member went through, "not
 * private right now", and the 1:1 side room. Where a member is (circle, side room, apart) is the Room's
 * (rooms/spaces.ts); who may put whom where is decided here.
 */
export abstract class SessionSpaces extends SessionCore {
  /** The check again (a rejoin) or finished (the ambient check may end after joining): facilitators see it. */
  async setCheck(actorId: string, r: Req<'member.setCheck'>): Res<'member.setCheck'> {
    const m = this.find(actorId);
    if (!m) throw new HearthError(ErrorCode.NOT_FOUND, 'no such member');
    m.link.check = r.check;
    this.pushRoster();
    return done;
  }

  /** "Not private right now", or private again: the member's media and the circle's stop (or resume) both ways. */
  async setPrivate(actorId: string, r: Req<'member.setPrivate'>): Res<'member.setPrivate'> {
    this.seated(actorId);
    await this.room.setNotPrivate(actorId, !r.private);
    this.record(actorId, r.private ? 'is private again' : 'is not private right now');
    return done;
  }

  /** A moderator steps out with one member into a side room; a co-facilitator keeps the circle going. */
  async stepOut(actorId: string, r: Req<'facilitator.stepOut'>): Res<'facilitator.stepOut'> {
    const actor = this.seated(actorId);
    const target = this.find(r.peerId);
    if (r.peerId === actorId || !target || target.standing.kind === 'waiting') throw new HearthError(ErrorCode.NOT_FOUND, 'no such member');
    if (!mayActOn(actor.role, target.role)) throw new HearthError(ErrorCode.NOT_ALLOWED, 'only a facilitator acts on a facilitator');
    await this.room.openSide(actorId, r.peerId, randomId(12));
    this.record(actorId, 'stepped out with', target.link.displayName);
    return done;
  }

  /** Either of the pair brings both back to the circle. */
  async returnFromSide(actorId: string): Res<'side.return'> {
    this.seated(actorId);
    const partner = this.room.sidePartner(actorId);
    await this.room.closeSide(actorId);
    this.record(actorId, 'is back in the group with', partner ? this.find(partner)?.link.displayName : undefined);
    return done;
  }
}
