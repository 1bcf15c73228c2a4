import type { E2eeKey, EventOf, LinkReport, Member, PeerInfo, PrivacyCheck, ProducerInfo, RosterMember, VideoMode } from '@hearth/shared';
import type { PeerOutbox } from './ports.js';

export type Quality = RosterMember['quality'];

/**
 * The server's half of a member record: how to reach this person and what they send. The membership machine
 * (shared/src/domain/membership.ts) carries it untouched beside role, device, key, standing and locks, so a person
 * is one record (`SessionMember`) and one lookup. A new connection (a reload) brings a new link.
 */
export interface Link {
  readonly displayName: string;
  readonly e2eeKey: E2eeKey;
  readonly outbox: PeerOutbox;
  /** A certificate of this member's key that verified with the session signing key. */
  certificate?: string;
  /** What the member sends into the circle (while admitted). */
  readonly producers: Map<string, ProducerInfo>;
  quality: Quality;
  /** How much video this member takes part in (full, low data, audio only); the media port enforces it. */
  videoMode: VideoMode;
  /** The facilitator's signed revocation of this key, once removed: it goes out with `peer.left`. */
  revocation?: string;
  /** The member's connection as their browser measures it, and what Hearth did about it. */
  report?: LinkReport;
  /** Receive capabilities given from the waiting room: the server prepares this member's media at admission. */
  rtpCapabilities?: Record<string, unknown>;
  /** The private-space check this connection's member went through (facilitators see it; never any audio). */
  check?: PrivacyCheck;
  /** The secret a new connection shows to take this seat back after a dropped link (`session.resume`). */
  resumeToken?: string;
}

export type SessionMember = Member<Link>;

export function newLink(displayName: string, e2eeKey: E2eeKey, outbox: PeerOutbox, certificate: string | undefined): Link {
  return { displayName, e2eeKey, outbox, producers: new Map(), quality: 'unknown', videoMode: 'full', ...(certificate ? { certificate } : {}) };
}

/** The arrival number of a member holding a seat; 0 while waiting. */
export function seqOf(m: SessionMember): number {
  return m.standing.kind === 'waiting' ? 0 : m.standing.seq;
}

/** How the others see a member (producers are the room's to add). */
export function peerCard(m: SessionMember): Omit<PeerInfo, 'producers'> {
  const { displayName, e2eeKey, certificate } = m.link;
  return { id: m.id, displayName, role: m.role, seq: seqOf(m), e2eeKey, ...(certificate ? { certificate } : {}) };
}

export type Envelope = EventOf<'e2ee.key'> & { to: string };
