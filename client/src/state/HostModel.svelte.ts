import type { CreateSessionRequest, SessionKind } from '@hearth/shared';
import { lazyModule } from './lazy.js';
import { msg, type Message } from '../i18n/message.js';
import { errorMessage } from './messages.js';

/** libsodium and TypeBox stay out of the first screen: the page fetches them once it has drawn. */
const hostChunk = lazyModule(() => import('./hostChunk.js'));

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
  error = $state<Message | undefined>();
  busy = $state(false);

  constructor() {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
    if (fromHash) {
      sessionStorage.setItem('hearth.adminKey', fromHash);
      history.replaceState(null, '', location.pathname);
    }
    this.key = fromHash ?? sessionStorage.getItem('hearth.adminKey') ?? '';
  }

  /** Starts fetching what create() needs, after the page has drawn, so pressing the button waits for nothing. */
  prepare(): void {
    hostChunk.loadAfterPaint();
  }

  async create(title: string, kind: SessionKind): Promise<void> {
    this.busy = true;
    this.error = undefined;
    try {
      // The session secret and signing key are made here and only ever travel inside the links' fragments; the
      // server gets the signing key's public half, to keep the key leader rule the same as the browsers'.
      const { linksFor, newSessionKeys, readCreateSession, sodiumReady } = await hostChunk.load();
      await sodiumReady();
      const keys = newSessionKeys();
      const request: CreateSessionRequest = { title, kind, signingKey: keys.signingPublicKey };
      const res = await fetch('/api/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key.trim()}` },
        body: JSON.stringify(request),
      });
      const answer = readCreateSession(await res.json().catch(() => undefined));
      if (!('created' in answer)) {
        this.error = res.status === 401 ? msg('host.wrongKey') : errorMessage('refused' in answer ? { code: answer.refused } : {});
        return;
      }
      sessionStorage.setItem('hearth.adminKey', this.key.trim());
      const links = linksFor(location.origin, answer.created, keys);
      this.created = { title, facilitatorLink: links.facilitator, memberLink: links.member };
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.busy = false;
    }
  }
}
