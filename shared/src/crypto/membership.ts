import sodium from 'libsodium-wrappers';
import type { Bytes } from './keys.js';

/**
 * Membership the server cannot forge (docs/e2ee.md, "Signed membership").
 *
 * The page (or CLI) that creates a session also makes an Ed25519 **session signing key**. Its 32-byte seed
 * travels only in the fragment of the moderators' links (`#…&a=`); its public half in every link (`#…&p=`).
 *
 * - A **certificate** is the signing key's signature over (session, member id, role, X25519 public key): made by
 *   a facilitator's browser when it admits someone (and by a moderator's own browser for itself). The key leader
 *   seals group keys only to members whose certificate verifies, and pages show only them as "in the encrypted
 *   group". Neither the server nor a former holder of a member link can make one.
 * - A **revocation** is the same key's signature over (session, member id, public key) saying "removed": every
 *   browser that sees it never seals to that key again.
 */
const te = new TextEncoder();

export interface SigningKey {
  publicKey: Bytes;
  /** 64-byte libsodium secret key (seed ‖ public key). Present only in moderators' browsers. */
  secretKey?: Bytes;
}

/** A fresh session signing key; `seed` goes into the moderators' links, `publicKey` into every link. */
export function newSigningSeed(): Bytes {
  return sodium.randombytes_buf(sodium.crypto_sign_SEEDBYTES);
}

export function signingKeyFromSeed(seed: Bytes): Required<SigningKey> {
  if (seed.length !== sodium.crypto_sign_SEEDBYTES) throw new TypeError('signing seed must be 32 bytes');
  const kp = sodium.crypto_sign_seed_keypair(seed);
  return { publicKey: kp.publicKey, secretKey: kp.privateKey };
}

export interface MemberClaim {
  sessionId: string;
  memberId: string;
  role: string;
  publicKey: Bytes;
}

function labelled(label: string, fields: string[], key: Bytes): Bytes {
  for (const f of fields) if (f.includes('|')) throw new TypeError('field may not contain |');
  const head = te.encode(`${label}|${fields.join('|')}|`);
  const out = new Uint8Array(head.length + key.length);
  out.set(head);
  out.set(key, head.length);
  return out;
}

/** The exact bytes a certificate signs. */
export function certificateMessage(c: MemberClaim): Bytes {
  return labelled('hearth/member/v1', [c.sessionId, c.memberId, c.role], c.publicKey);
}

/** The exact bytes a revocation signs. */
export function revocationMessage(c: Omit<MemberClaim, 'role'>): Bytes {
  return labelled('hearth/removed/v1', [c.sessionId, c.memberId], c.publicKey);
}

export function signCertificate(secretKey: Bytes, c: MemberClaim): Bytes {
  return sodium.crypto_sign_detached(certificateMessage(c), secretKey);
}

export function verifyCertificate(signingPk: Bytes, certificate: Bytes, c: MemberClaim): boolean {
  return verify(signingPk, certificate, () => certificateMessage(c));
}

export function signRevocation(secretKey: Bytes, c: Omit<MemberClaim, 'role'>): Bytes {
  return sodium.crypto_sign_detached(revocationMessage(c), secretKey);
}

export function verifyRevocation(signingPk: Bytes, revocation: Bytes, c: Omit<MemberClaim, 'role'>): boolean {
  return verify(signingPk, revocation, () => revocationMessage(c));
}

function verify(signingPk: Bytes, signature: Bytes, message: () => Bytes): boolean {
  if (signingPk.length !== sodium.crypto_sign_PUBLICKEYBYTES || signature.length !== sodium.crypto_sign_BYTES) return false;
  try {
    return sodium.crypto_sign_verify_detached(signature, message(), signingPk);
  } catch {
    return false;
  }
}

/**
 * A member's id in one session, from its device id: the same on every reload (so a certificate made for it stays
 * valid), different in every session, and one-way (others never learn the device id). Known before joining, so
 * a moderator's browser can sign its own certificate for `session.join`.
 */
export function memberIdFor(sessionId: string, deviceId: string): string {
  const digest = sodium.crypto_generichash(12, te.encode(`hearth/member-id/v1|${sessionId}|${deviceId}`), null);
  return sodium.to_base64(digest, sodium.base64_variants.URLSAFE_NO_PADDING);
}
