import type { Role, Standing } from '@hearth/shared';
import type { Session } from '../room/Session.js';

/** Server-side state of one socket. Identity and role come from here (set from a verified invite), never from a payload. */
export class Connection {
  session: Session | undefined;
  participantId: string | undefined;
  role: Role | undefined;

  get standing(): Standing {
    return this.session ? this.session.standingOf(this.participantId) : 'outside';
  }

  /** The session and own id, for handlers the gateway has already authorized. */
  seat(): { session: Session; selfId: string } {
    if (!this.session || !this.participantId) throw new Error('seat() outside a session');
    return { session: this.session, selfId: this.participantId };
  }

  clear(): void {
    this.session = undefined;
    this.participantId = undefined;
    this.role = undefined;
  }
}
