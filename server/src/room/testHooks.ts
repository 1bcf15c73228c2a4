import type { Role } from '@hearth/shared';
import type { Envelope } from './member.js';

/**
 * Hooks for tests that play a malicious server. Settable only in-process (buildApp options), never by config.
 * Everything that reads them is in `TestHooks` below, so they go in one commit once tests/support decorates the
 * ports instead.
 */
export interface SessionHooks {
  /** Sees (and may alter) every key envelope the server relays. */
  relayEnvelope?: (envelope: Envelope) => Envelope;
  /**
   * Removal tells the others but keeps forwarding media to the removed member, who is not told. `unannounced`: the
   * others are not told either; a `peer.left` for someone who never existed goes out instead.
   */
  silentRemoval?: boolean | 'unannounced';
  /**
   * Treats an arrival with this display name as the role returned, and seats it in the circle at once without any
   * facilitator action: a server adding someone the facilitator never admitted (it cannot sign them, though).
   */
  forgeRole?: (displayName: string) => Role | undefined;
}

/** The one place the Session consults its test hooks; with none set, each is the honest behaviour. */
export class TestHooks {
  constructor(private readonly hooks: SessionHooks = {}) {}

  /** The role an arrival gets (a forged one seats it at once, as a moderator's would be). */
  role(displayName: string, role: Role): Role {
    return this.hooks.forgeRole?.(displayName) ?? role;
  }

  envelope(envelope: Envelope): Envelope {
    return this.hooks.relayEnvelope ? this.hooks.relayEnvelope(envelope) : envelope;
  }

  /** How a removal from the circle goes: honestly, or silently (the others told, or nobody). */
  removal(): 'honest' | 'silent' | 'unannounced' {
    const s = this.hooks.silentRemoval;
    return !s ? 'honest' : s === 'unannounced' ? 'unannounced' : 'silent';
  }
}
