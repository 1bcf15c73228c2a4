import { ErrorCode, HearthError, isModerator, pickLeader, type RequestOf } from '@hearth/shared';
import { seqOf, type SessionMember } from './member.js';
import type { Room } from './Room.js';

/**
 * The encrypted traffic of one session: key envelopes, acknowledgements, chat and private notes. The server relays
 * opaque blobs to named admitted members and keeps none; what it does decide is who may hand out a key (the
 * leader, by the rule every browser computes too: shared/src/domain/leader.ts) and in which order (epochs).
 */
export class E2eeRelay {
  private epoch = 0;

  constructor(
    /** The session's lookup: a member record by id (one lookup for the whole session). */
    private readonly find: (id: string) => SessionMember | undefined,
    /** Everyone admitted to the circle, in arrival order. */
    private readonly circle: () => SessionMember[],
    private readonly room: Room,
  ) {}

  /** The newest key epoch handed out (the server sees epoch numbers, never keys). */
  get keyEpoch(): number {
    return this.epoch;
  }

  /** Who hands out group keys now: the earliest signed facilitator, and so on (pickLeader). */
  leader(): string | undefined {
    return pickLeader(this.circle().map((p) => ({ id: p.id, role: p.role, seq: seqOf(p), signed: !!p.link.certificate })));
  }

  /** Relays sealed group keys from the leader, for exactly the next epoch, to the named admitted members. */
  distribute(fromId: string, req: RequestOf<'e2ee.distribute'>): number {
    if (this.leader() !== fromId) throw new HearthError(ErrorCode.NOT_ALLOWED, 'not the key leader');
    if (req.epoch !== this.epoch + 1) throw new HearthError(ErrorCode.INVALID_STATE, `epoch must be ${this.epoch + 1}`);
    this.epoch = req.epoch;
    let delivered = 0;
    for (const e of req.envelopes) {
      const to = this.find(e.to);
      if (!to || to.id === fromId || to.standing.kind !== 'admitted') continue;
      if (this.room.sendTo(e.to, 'e2ee.key', { from: fromId, epoch: req.epoch, nonce: e.nonce, box: e.box })) delivered++;
    }
    return delivered;
  }

  /** Tells the moderators that a member switched to the key of `epoch` (never one not handed out yet). */
  acknowledge(fromId: string, epoch: number, tag: string): void {
    if (epoch > this.epoch) throw new HearthError(ErrorCode.INVALID_STATE, 'no such epoch yet');
    for (const p of this.circle()) {
      if (isModerator(p.role)) this.room.sendTo(p.id, 'e2ee.acked', { peerId: fromId, epoch, tag });
    }
  }

  /** Relays an encrypted chat message to the rest of the circle. Nothing is kept. */
  chat(fromId: string, req: RequestOf<'chat.send'>): void {
    for (const p of this.circle()) if (p.id !== fromId) this.room.sendTo(p.id, 'chat.message', { from: fromId, ...req });
  }

  /** Relays sealed private notes, each to the admitted moderator it names (anyone else gets nothing). */
  notes(fromId: string, req: RequestOf<'chat.note'>): number {
    let delivered = 0;
    for (const n of req.notes) {
      const to = this.find(n.to);
      if (!to || to.id === fromId || to.standing.kind !== 'admitted' || !isModerator(to.role)) continue;
      if (this.room.sendTo(to.id, 'chat.note', { from: fromId, nonce: n.nonce, box: n.box })) delivered++;
    }
    return delivered;
  }
}
