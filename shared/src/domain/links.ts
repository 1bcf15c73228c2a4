/**
 * Session links: `<origin>/s/<sessionId>#t=<invite>&k=<secret>&p=<signing public key>` for members, and the same
 * with `&a=<signing seed>` for moderators (facilitator, co-facilitator, secretary). Everything after `#` travels
 * in the fragment, which browsers never send to a server: no proxy or server log can hold it. The page hands the
 * invite to the server over the socket; the secret and the signing key never leave the browsers (see
 * shared/src/crypto/membership.ts).
 */
export interface LinkFragment {
  token: string;
  secret: string;
  /** The session signing key's public half (base64url, 32 bytes): every link has it. */
  signingPublicKey: string;
  /** The session signing key's seed (base64url, 32 bytes): only in moderators' links. */
  signingSeed?: string;
}

export function sessionLink(origin: string, sessionId: string, f: LinkFragment): string {
  const admin = f.signingSeed ? `&a=${f.signingSeed}` : '';
  return `${origin.replace(/\/$/, '')}/s/${sessionId}#t=${f.token}&k=${f.secret}&p=${f.signingPublicKey}${admin}`;
}

const B64URL = /^[A-Za-z0-9_-]{43}$/;

/** Reads the fragment; undefined when a required part is missing or malformed. */
export function parseLinkFragment(hash: string): LinkFragment | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('t');
  const secret = params.get('k');
  const signingPublicKey = params.get('p');
  const signingSeed = params.get('a') ?? undefined;
  if (!token || !secret || !signingPublicKey || !B64URL.test(signingPublicKey)) return undefined;
  if (signingSeed !== undefined && !B64URL.test(signingSeed)) return undefined;
  return signingSeed ? { token, secret, signingPublicKey, signingSeed } : { token, secret, signingPublicKey };
}

/** `bytes` random bytes as base64url without padding (browser and Node alike). */
export function randomId(bytes: number): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh session secret: 32 random bytes, base64url. */
export function newSessionSecret(): string {
  return randomId(32);
}
