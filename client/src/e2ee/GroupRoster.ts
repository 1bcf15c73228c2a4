import { fromB64, verifyBinding, verifyCertificate, verifyRevocation } from '@hearth/shared/crypto';
import { pickLeader, type PeerInfo, type Role } from '@hearth/shared';

/** One member of the circle as this browser judges them. */
export interface GroupMember {
  id: string;
  displayName: string;
  role: Role;
  seq: number;
  /** Their X25519 key, base64url as relayed. */
  publicKey: string;
  /** The key's bytes, only when its binding to the session secret verifies (they hold a link). */
  bound: Uint8Array | undefined;
  /** A facilitator signed this key for this id and role, and it was not revoked: in the encrypted group. */
  signed: boolean;
  /** Their link dropped: still in the group (keys are sealed to them), but not leading while away. */
  away: boolean;
}

/**
 * The membership as this browser sees it, checked against what the server cannot forge: bindings (the link's
 * secret), certificates and revocations (the session signing key). No I/O; the key manager drives it.
 */
export class GroupRoster {
  private readonly members = new Map<string, GroupMember>();
  /** Public keys removed by a facilitator: never sealed to again in this session. */
  private readonly revoked = new Set<string>();

  constructor(
    private readonly sessionId: string,
    private readonly secret: string,
    private readonly signingPk: Uint8Array,
  ) {}

  /** Adds (or replaces) a member from what the server relays. */
  set(p: PeerInfo): GroupMember {
    const m: GroupMember = {
      id: p.id, displayName: p.displayName, role: p.role, seq: p.seq, publicKey: p.e2eeKey.publicKey,
      bound: this.bound(p), signed: false, away: p.away === true,
    };
    m.signed = !!m.bound && !!p.certificate && !this.revoked.has(m.publicKey) && this.certified(m, p.certificate);
    this.members.set(m.id, m);
    return m;
  }

  get(id: string): GroupMember | undefined {
    return this.members.get(id);
  }

  delete(id: string): GroupMember | undefined {
    const m = this.members.get(id);
    this.members.delete(id);
    return m;
  }

  /** Records a signed revocation; false (nothing changes) if it does not verify. */
  revoke(memberId: string, publicKey: string, revocation: string): boolean {
    try {
      if (!verifyRevocation(this.signingPk, fromB64(revocation), { sessionId: this.sessionId, memberId, publicKey: fromB64(publicKey) })) return false;
    } catch {
      return false;
    }
    this.revoked.add(publicKey);
    for (const m of this.members.values()) if (m.publicKey === publicKey) m.signed = false;
    return true;
  }

  /** Everyone, in the server's roster (arrival) order. */
  all(): GroupMember[] {
    return [...this.members.values()].sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : 1));
  }

  /** Members in the encrypted group, in roster order. */
  signed(): GroupMember[] {
    return this.all().filter((m) => m.signed);
  }

  /** The key leader among those present (the server's rule too: an away member does not lead). */
  leader(): string | undefined {
    return pickLeader(this.all().filter((m) => !m.away));
  }

  /** A member's link dropped or came back; false if unknown or unchanged. */
  setAway(id: string, away: boolean): boolean {
    const m = this.members.get(id);
    if (!m || m.away === away) return false;
    m.away = away;
    return true;
  }

  /** Members without this session's link (the binding fails). */
  unlinked(): GroupMember[] {
    return this.all().filter((m) => !m.bound);
  }

  /** Members with the link whom no facilitator admitted to the encrypted group (or who were removed). */
  outside(): GroupMember[] {
    return this.all().filter((m) => m.bound && !m.signed);
  }

  private bound(p: PeerInfo): Uint8Array | undefined {
    try {
      const pk = fromB64(p.e2eeKey.publicKey);
      return verifyBinding(this.secret, this.sessionId, pk, fromB64(p.e2eeKey.binding)) ? pk : undefined;
    } catch {
      return undefined;
    }
  }

  private certified(m: GroupMember, certificate: string): boolean {
    try {
      return verifyCertificate(this.signingPk, fromB64(certificate), { sessionId: this.sessionId, memberId: m.id, role: m.role, publicKey: m.bound! });
    } catch {
      return false;
    }
  }
}
