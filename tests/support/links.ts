import { newSessionSecret, sessionLink, type SessionKind } from '@hearth/shared';
import { createSession } from './circle.js';
import type { TestServer } from './server.js';

/**
 * A new session and its two links, exactly as the /host page makes them: the facilitator's carries the session
 * signing seed (`&a=`), the members' only its public half (`&p=`).
 */
export async function sessionLinks(server: TestServer, kind: SessionKind = 'clinical') {
  const s = await createSession(server, kind);
  const secret = newSessionSecret();
  const { signingSeed, signingPublicKey } = s;
  return {
    session: s,
    secret,
    signingSeed,
    signingPublicKey,
    facilitator: sessionLink(server.url, s.sessionId, { token: s.facilitator.token, secret, signingPublicKey, signingSeed }),
    member: sessionLink(server.url, s.sessionId, { token: s.member.token, secret, signingPublicKey }),
  };
}
