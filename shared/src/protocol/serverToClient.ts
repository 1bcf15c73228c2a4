import { Type, type Static } from '@sinclair/typebox';
import { Id, PeerInfo, ProducerInfo } from './common.js';
import { ErrorCode } from './errors.js';

/** Every event the server pushes to admitted members. No acks: they describe what already happened. */
export const ServerEvents = {
  /** Someone entered the group. */
  'peer.joined': PeerInfo,
  /** Someone left or was disconnected for good. Their producers are gone too. */
  'peer.left': Type.Object({ peerId: Id }),
  /** A member started sending a track. */
  'producer.added': ProducerInfo,
  /** A member stopped sending a track (consumers of it are closed by the server). */
  'producer.closed': Type.Object({ producerId: Id, peerId: Id }),
  /** A member muted or unmuted a track. */
  'producer.paused': Type.Object({ producerId: Id, peerId: Id, paused: Type.Boolean() }),
  /** The server closed one of this member's consumers. */
  'consumer.closed': Type.Object({ consumerId: Id }),
  /** The server is about to close this connection, with the reason. */
  'session.closing': Type.Object({ code: Type.Enum(ErrorCode) }),
} as const;

export type ServerEventName = keyof typeof ServerEvents;
export type EventOf<K extends ServerEventName> = Static<(typeof ServerEvents)[K]>;
