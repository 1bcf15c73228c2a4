/**
 * Session links: `<origin>/s/<sessionId>#t=<invite>&k=<secret>`. Both the invite and the session secret
 * travel in the fragment, which browsers never send to a server: no proxy or server log can hold them.
 * The page hands the invite to the server over the socket; the secret never leaves the browsers.
 */
export function sessionLink(origin: string, sessionId: string, token: string, secret: string): string {
  return `${origin.replace(/\/$/, '')}/s/${sessionId}#t=${token}&k=${secret}`;
}

export interface LinkFragment {
  token: string;
  secret: string;
}

/** Reads `#t=…&k=…`; undefined when either part is missing. */
export function parseLinkFragment(hash: string): LinkFragment | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('t');
  const secret = params.get('k');
  return token && secret ? { token, secret } : undefined;
}

/** `bytes` random bytes as base64url without padding (browser and Node alike). */
export function randomId(bytes: number): string {
  let s = '';
  for (const b of crypto.getRandomValues(new Uint8Array(bytes))) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh session secret: 32 random bytes, base64url. */
export function newSessionSecret(): string {
  return randomId(32);
}
