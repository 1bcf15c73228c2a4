import {
  bindPublicKey, fromB64, memberIdFor, newKeyPair, signCertificate, signingKeyFromSeed, toB64, type KeyPair, type SigningKey,
} from '@hearth/shared/crypto';
import { ROLES, type E2eeKey, type LinkFragment, type Role } from '@hearth/shared';

/**
 * This browser's identity in one session: its X25519 key pair (kept in this tab's sessionStorage for the
 * session, so a reload keeps the key a facilitator signed), its member id, the session signing key from the
 * link (with its secret half only in moderators' links), and the key's binding to the session secret.
 */
export interface Identity {
  sessionId: string;
  memberId: string;
  pair: KeyPair;
  wire: E2eeKey;
  signing: SigningKey;
  /** A moderator's own certificate, signed here for `session.join`; members get theirs from a facilitator. */
  selfCertificate: string | undefined;
}

const STORE = (sessionId: string) => `hearth.identity.${sessionId}`;

function storedPair(sessionId: string): KeyPair {
  try {
    const raw = sessionStorage.getItem(STORE(sessionId));
    if (raw) {
      const { pk, sk } = JSON.parse(raw) as { pk: string; sk: string };
      return { publicKey: fromB64(pk), privateKey: fromB64(sk) };
    }
  } catch {
    // a damaged entry: make a new key (a facilitator will admit it again)
  }
  const pair = newKeyPair();
  sessionStorage.setItem(STORE(sessionId), JSON.stringify({ pk: toB64(pair.publicKey), sk: toB64(pair.privateKey) }));
  return pair;
}

/** The role an invite carries (read from our own invite; the server checks the signature, not us). */
export function inviteRole(token: string): Role | undefined {
  try {
    const payload = JSON.parse(new TextDecoder().decode(fromB64(token.split('.')[1] ?? ''))) as { role?: unknown };
    return (ROLES as readonly unknown[]).includes(payload.role) ? (payload.role as Role) : undefined;
  } catch {
    return undefined;
  }
}

/** Call after sodiumReady(). */
export function loadIdentity(sessionId: string, deviceId: string, link: LinkFragment): Identity {
  const pair = storedPair(sessionId);
  const memberId = memberIdFor(sessionId, deviceId);
  const signing: SigningKey = link.signingSeed
    ? signingKeyFromSeed(fromB64(link.signingSeed))
    : { publicKey: fromB64(link.signingPublicKey) };
  const role = inviteRole(link.token);
  const selfCertificate = signing.secretKey && role
    ? toB64(signCertificate(signing.secretKey, { sessionId, memberId, role, publicKey: pair.publicKey }))
    : undefined;
  return {
    sessionId, memberId, pair, signing, selfCertificate,
    wire: { publicKey: toB64(pair.publicKey), binding: toB64(bindPublicKey(link.secret, sessionId, pair.publicKey)) },
  };
}
