import type { E2eeKey, EventOf, PeerInfo, Role } from '@hearth/shared';
import type { PeerOutbox } from './ports.js';

/** Someone in a session: in its waiting room, or admitted to the circle. */
export interface Participant {
  /** memberIdFor(session, device): the same on every reload, so certificates made for it stay valid. */
  id: string;
  displayName: string;
  role: Role;
  deviceId: string;
  e2eeKey: E2eeKey;
  outbox: PeerOutbox;
  standing: 'waiting' | 'admitted';
  /** The invite this arrival used (its use is given back if it leaves before ever being admitted). */
  inviteId: string;
  /** Arrival order in the circle: set on each entry (a returning member gets a new one); 0 while waiting. */
  seq: number;
  /** A certificate of this member's key that verified with the session signing key. */
  certificate?: string;
}

/** How the others see a participant (producers are the room's to add). */
export function peerCard(p: Participant): Omit<PeerInfo, 'producers'> {
  return {
    id: p.id, displayName: p.displayName, role: p.role, seq: p.seq, e2eeKey: p.e2eeKey,
    ...(p.certificate ? { certificate: p.certificate } : {}),
  };
}

export type Envelope = EventOf<'e2ee.key'> & { to: string };

/**
 * Hooks for tests that play a malicious server. Settable only in-process (buildApp options), never by config.
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
