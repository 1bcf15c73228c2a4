import type { Role, Standing } from '@hearth/shared';
import type { Session } from '../room/Session.js';

/** Server-side state of one socket. Identity and role come from here (set from a verified invite), never from a payload. */
export class Connection {
  session: Session | undefined;
  memberId: string | undefined;
  role: Role | undefined;
  /**
   * Set synchronously when a `session.join` starts and kept while it holds a seat: a second join on the same socket
   * (even one read from the same HTTP body or TCP segment) is refused before either has awaited anything.
   */
  joining = false;
  /** How many `session.claim`s this socket sent (a page sends one; the handler refuses a flood). */
  claims = 0;

  get standing(): Standing {
    return this.session ? this.session.standingOf(this.memberId) : 'outside';
  }

  /** The session and own id, for handlers the gateway has already authorized. */
  seat(): { session: Session; selfId: string } {
    if (!this.session || !this.memberId) throw new Error('seat() outside a session');
    return { session: this.session, selfId: this.memberId };
  }

  clear(): void {
    this.session = undefined;
    this.memberId = undefined;
    this.role = undefined;
    this.joining = false;
  }
}
