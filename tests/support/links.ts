import { newSessionSecret, sessionLink, type SessionKind } from '@hearth/shared';
import { createSession } from './circle.js';
import type { TestServer } from './server.js';

/** A new session and its two links, exactly as the /host page makes them. */
export async function sessionLinks(server: TestServer, kind: SessionKind = 'clinical') {
  const s = await createSession(server, kind);
  const secret = newSessionSecret();
  return {
    session: s,
    facilitator: sessionLink(server.url, s.sessionId, s.facilitator.token, secret),
    member: sessionLink(server.url, s.sessionId, s.member.token, secret),
  };
}
