import {
  bindPublicKey, fromB64, memberIdFor, newKeyPair, newSigningSeed, signCertificate, signingKeyFromSeed, sodiumReady, toB64, type KeyPair,
} from '@hearth/shared/crypto';
import type { LinkFragment, PeerInfo, Role, RoomSnapshot } from '@hearth/shared';
import { loadIdentity, type Identity } from './identity.js';

// Test fixtures for the key policy and its adapter (imported only by *.test.ts files): people with real keys and
// certificates signed by a session signing key, as facilitators' browsers would make them.

export const SESSION = 'S3ssion_id-0123456789';
export const SECRET = 'the-session-secret';
export const keys: { seed: Uint8Array; sk: Uint8Array } = { seed: new Uint8Array(), sk: new Uint8Array() };

export async function setUpSigning(): Promise<void> {
  await sodiumReady();
  keys.seed = newSigningSeed();
  keys.sk = signingKeyFromSeed(keys.seed).secretKey;
}

export interface Person {
  id: string;
  pair: KeyPair;
  info: PeerInfo;
}

let seq = 0;
export function person(name: string, role: Role, signed = true): Person {
  const pair = newKeyPair();
  const id = memberIdFor(SESSION, `device-of-${name}-000000`);
  const certificate = signed ? toB64(signCertificate(keys.sk, { sessionId: SESSION, memberId: id, role, publicKey: pair.publicKey })) : undefined;
  const info: PeerInfo = {
    id, displayName: name, role, seq: ++seq, producers: [], ...(certificate ? { certificate } : {}),
    e2eeKey: { publicKey: toB64(pair.publicKey), binding: toB64(bindPublicKey(SECRET, SESSION, pair.publicKey)) },
  };
  return { id, pair, info };
}

const memoryStorage = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) };
};

/** This browser's identity and link, as `name` with `role` (moderators' links carry the signing seed). */
export function browserOf(name: string, role: Role): { link: LinkFragment; deviceId: string; identity: () => Identity } {
  (globalThis as { sessionStorage?: unknown }).sessionStorage = memoryStorage();
  const moderator = role !== 'member';
  const link: LinkFragment = {
    token: `x.${toB64(new TextEncoder().encode(JSON.stringify({ role })))}.y`, secret: SECRET,
    signingPublicKey: toB64(signingKeyFromSeed(keys.seed).publicKey), ...(moderator ? { signingSeed: toB64(keys.seed) } : {}),
  };
  const deviceId = `device-of-${name}-000000`;
  return { link, deviceId, identity: () => loadIdentity(SESSION, deviceId, link) };
}

/** Our own entry in the circle: a moderator's self-signed certificate, or one a facilitator signed for a member. */
export function selfInfo(identity: Identity, name: string, role: Role): PeerInfo {
  const certificate = identity.selfCertificate
    ?? toB64(signCertificate(keys.sk, { sessionId: SESSION, memberId: identity.memberId, role, publicKey: fromB64(identity.wire.publicKey) }));
  return { id: identity.memberId, displayName: name, role, seq: ++seq, producers: [], e2eeKey: identity.wire, certificate };
}

export const snapshot = (self: PeerInfo, peers: PeerInfo[], keyEpoch = 0): RoomSnapshot => ({ routerRtpCapabilities: {}, peers, self, keyEpoch, revocations: [] });
