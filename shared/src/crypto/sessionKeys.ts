import { newSessionSecret, sessionLink } from '../domain/links.js';
import { newSigningSeed, signingKeyFromSeed } from './membership.js';
import { toB64 } from './keys.js';

/**
 * What the page or the CLI that creates a session makes before asking the server (call after sodiumReady()):
 * the session secret and the session signing key. None of it is sent to the server except the public key.
 */
export interface SessionKeys {
  secret: string;
  signingSeed: string;
  signingPublicKey: string;
}

export function newSessionKeys(): SessionKeys {
  const seed = newSigningSeed();
  return { secret: newSessionSecret(), signingSeed: toB64(seed), signingPublicKey: toB64(signingKeyFromSeed(seed).publicKey) };
}

/** The two links of a new session: the facilitator's carries the signing seed, the members' only its public half. */
export function linksFor(
  origin: string, created: { sessionId: string; facilitator: { token: string }; member: { token: string } }, k: SessionKeys,
): { facilitator: string; member: string } {
  const common = { secret: k.secret, signingPublicKey: k.signingPublicKey };
  return {
    facilitator: sessionLink(origin, created.sessionId, { token: created.facilitator.token, ...common, signingSeed: k.signingSeed }),
    member: sessionLink(origin, created.sessionId, { token: created.member.token, ...common }),
  };
}
