import type { Standing } from '@hearth/shared';
import type { Room } from '../room/Room.js';

/** Server-side state of one socket. Identity comes from here, never from a payload. */
export class Connection {
  room: Room | undefined;
  peerId: string | undefined;

  get standing(): Standing {
    return this.room && this.peerId ? 'member' : 'outside';
  }

  /** The room and own id, for handlers that require membership (the gateway already checked it). */
  membership(): { room: Room; peerId: string } {
    if (!this.room || !this.peerId) throw new Error('membership() outside a room');
    return { room: this.room, peerId: this.peerId };
  }
}
