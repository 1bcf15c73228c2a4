import { newSessionSecret, sessionLink, type SessionKind } from '@hearth/shared';
import { newSigningSeed, signingKeyFromSeed, sodiumReady, toB64 } from '@hearth/shared/crypto';
import { messageFor } from './messages.js';

interface Created {
  title: string;
  facilitatorLink: string;
  memberLink: string;
}

/**
 * The facilitator's page: with the server's facilitator key, create a session and get its links. The key
 * arrives in the fragment (#key=…), like invites, and stays in this tab only.
 */
export class HostModel {
  key = $state('');
  created = $state<Created | undefined>();
  error = $state<string | undefined>();
  busy = $state(false);

  constructor() {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
    if (fromHash) {
      sessionStorage.setItem('hearth.adminKey', fromHash);
      history.replaceState(null, '', location.pathname);
    }
    this.key = fromHash ?? sessionStorage.getItem('hearth.adminKey') ?? '';
  }

  async create(title: string, kind: SessionKind): Promise<void> {
    this.busy = true;
    this.error = undefined;
    try {
      // The session signing key is made here: its seed only ever travels in the moderators' links' fragments;
      // the server gets the public half, to keep the key leader rule the same as the browsers'.
      await sodiumReady();
      const seed = newSigningSeed();
      const signingPublicKey = toB64(signingKeyFromSeed(seed).publicKey);
      const res = await fetch('/api/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key.trim()}` },
        body: JSON.stringify({ title, kind, signingKey: signingPublicKey }),
      });
      const body = (await res.json()) as { ok: boolean; code?: string; sessionId: string; facilitator: { token: string }; member: { token: string } };
      if (!body.ok) {
        this.error = res.status === 401 ? 'That facilitator key is not right.' : messageFor(body);
        return;
      }
      sessionStorage.setItem('hearth.adminKey', this.key.trim());
      // The session secret is made here and only ever travels inside the links' fragments.
      const secret = newSessionSecret();
      this.created = {
        title,
        facilitatorLink: sessionLink(location.origin, body.sessionId, { token: body.facilitator.token, secret, signingPublicKey, signingSeed: toB64(seed) }),
        memberLink: sessionLink(location.origin, body.sessionId, { token: body.member.token, secret, signingPublicKey }),
      };
    } catch (error) {
      this.error = messageFor(error);
    } finally {
      this.busy = false;
    }
  }
}
