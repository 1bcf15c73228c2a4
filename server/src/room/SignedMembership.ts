import type { E2eeKey, Role, RoomSnapshot } from '@hearth/shared';
import { fromB64, verifyCertificate, verifyRevocation } from '@hearth/shared/crypto';

export type Revocation = RoomSnapshot['revocations'][number];

/** Snapshots carry at most this many revocations (the schema's limit); the oldest go first. */
export const MAX_REVOCATIONS = 500;

function bytes(b64: string): Uint8Array | undefined {
  try {
    return fromB64(b64);
  } catch {
    return undefined;
  }
}

/**
 * Signed membership as the server sees it (shared/src/crypto/membership.ts): the server cannot sign, but it checks
 * what moderators' browsers signed with the session signing key, keeps only what verifies, and passes it on.
 * A certificate is remembered per device and key, so a reload with the same key keeps it.
 */
export class SignedMembership {
  private readonly byDevice = new Map<string, { publicKey: string; certificate: string }>();
  private readonly revoked: Revocation[] = [];

  constructor(
    private readonly sessionId: string,
    /** The session signing key's public half (32 bytes), given when the session was created. */
    private readonly signingKey: Uint8Array,
  ) {}

  /** `certificate` if it is the signing key's signature over (session, member, role, this key); else undefined. */
  verified(memberId: string, role: Role, key: E2eeKey, certificate: string | undefined): string | undefined {
    if (!certificate) return undefined;
    const sig = bytes(certificate);
    const publicKey = bytes(key.publicKey);
    if (!sig || !publicKey) return undefined;
    const ok = verifyCertificate(this.signingKey, sig, { sessionId: this.sessionId, memberId, role, publicKey });
    return ok ? certificate : undefined;
  }

  /** Remembers a verified certificate for the device that was admitted with it. */
  remember(deviceId: string, publicKey: string, certificate: string): void {
    this.byDevice.set(deviceId, { publicKey, certificate });
  }

  /** The certificate this device was admitted with, if it presents the same key again. */
  remembered(deviceId: string, publicKey: string): string | undefined {
    const held = this.byDevice.get(deviceId);
    return held?.publicKey === publicKey ? held.certificate : undefined;
  }

  forget(deviceId: string): void {
    this.byDevice.delete(deviceId);
  }

  /** Records `revocation` if it verifies for this member and key, and returns it; else undefined. */
  revoke(memberId: string, publicKey: string, revocation: string | undefined): string | undefined {
    if (!revocation) return undefined;
    const sig = bytes(revocation);
    const pk = bytes(publicKey);
    if (!sig || !pk || !verifyRevocation(this.signingKey, sig, { sessionId: this.sessionId, memberId, publicKey: pk })) return undefined;
    this.revoked.push({ peerId: memberId, publicKey, revocation });
    if (this.revoked.length > MAX_REVOCATIONS) this.revoked.shift();
    return revocation;
  }

  /** Every valid revocation recorded this session (for late arrivals' snapshots). */
  revocations(): Revocation[] {
    return this.revoked.map((r) => ({ ...r }));
  }
}
