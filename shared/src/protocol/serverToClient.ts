import { Type, type Static } from '@sinclair/typebox';
import {
  B64, DisplayName, E2eeKey, LinkReport, PrivacyCheck, Signature, FacilitatorNote, Id, PeerInfo, ProducerInfo, ReactionSchema, RoleSchema, RoomSnapshot, TurnModeSchema,
  VideoModeSchema,
} from './common.js';
import { ErrorCode } from '../vocabulary/errorCodes.js';

const TrackState = Type.Union([Type.Literal('on'), Type.Literal('off'), Type.Literal('none')]);
const Quality = Type.Union([Type.Literal('good'), Type.Literal('fair'), Type.Literal('poor'), Type.Literal('unknown')]);

/** One line of the in-memory audit trail. Facilitators see it; it is never written to disk or logs. */
export const AuditEntry = Type.Object({
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  target: Type.Optional(Type.String()),
});
export type AuditEntry = Static<typeof AuditEntry>;

/** A member as facilitators see them in the panel. */
export const RosterMember = Type.Object({
  id: Id,
  displayName: DisplayName,
  role: RoleSchema,
  mic: TrackState,
  camera: TrackState,
  micLocked: Type.Boolean(),
  cameraLocked: Type.Boolean(),
  quality: Quality,
  /** The member's link dropped; their seat is kept until the grace period ends. */
  away: Type.Boolean(),
  /** Their connection as their browser measures it (absent until it reports). */
  link: Type.Optional(LinkReport),
  /** How much video the member takes part in: full, low data, or audio only (`off`). */
  video: VideoModeSchema,
  /** Their private-space check (absent: not done), never the audio. */
  check: Type.Optional(PrivacyCheck),
  /** They marked themselves "not private right now": out of the circle's media until they come back. */
  notPrivate: Type.Boolean(),
  /** In a side room with this member. */
  side: Type.Optional(Id),
});
export type RosterMember = Static<typeof RosterMember>;

/** The facilitator panel's whole state, pushed to facilitators whenever it changes. */
export const Roster = Type.Object({
  locked: Type.Boolean(),
  /** Each waiting member's key, so the facilitator's browser can sign the one it admits. */
  waiting: Type.Array(Type.Object({ id: Id, displayName: DisplayName, e2eeKey: E2eeKey, check: Type.Optional(PrivacyCheck) })),
  members: Type.Array(RosterMember),
  audit: Type.Array(AuditEntry),
});
export type Roster = Static<typeof Roster>;

/** Who has the floor. Times are the server's clock; `serverNow` lets clients show a countdown without trusting theirs. */
export const TurnView = Type.Object({
  mode: TurnModeSchema,
  holder: Type.Union([Id, Type.Null()]),
  queue: Type.Array(Id),
  order: Type.Array(Id),
  limitMs: Type.Union([Type.Integer(), Type.Null()]),
  endsAt: Type.Union([Type.Integer(), Type.Null()]),
  warnAt: Type.Union([Type.Integer(), Type.Null()]),
  turn: Type.Integer(),
  serverNow: Type.Integer(),
});
export type TurnView = Static<typeof TurnView>;

/** Every event the server pushes. Waiting members receive only session.* events. No acks. */
export const ServerEvents = {
  /** A waiting member was let in: here is the circle. */
  'session.admitted': RoomSnapshot,
  /** The server is about to close this connection: why, and a facilitator's note if they wrote one. */
  'session.closing': Type.Object({ code: Type.Enum(ErrorCode), message: Type.Optional(FacilitatorNote) }),
  /** This member's own moderation state changed (muted or camera stopped by a facilitator, or allowed again). */
  'self.updated': Type.Object({ micLocked: Type.Boolean(), cameraLocked: Type.Boolean(), askedToUnmute: Type.Boolean() }),
  /** Facilitators only: the panel's state. */
  'facilitator.roster': Roster,
  /** Someone entered the circle. */
  'peer.joined': PeerInfo,
  /**
   * Someone left or was disconnected for good. Their producers are gone too. A removal carries the remover's
   * signed revocation of their key.
   */
  'peer.left': Type.Object({ peerId: Id, revocation: Type.Optional(Signature) }),
  /** A member's link dropped (away: their seat, tile and place are kept for a while) or came back. */
  'peer.away': Type.Object({ peerId: Id, away: Type.Boolean() }),
  /** A member stepped away from the circle (not private right now, or a side room) or came back to it. */
  'peer.space': Type.Object({ peerId: Id, apart: Type.Boolean() }),
  /** To the two in a side room: whom this member is with (and the room, for its key), or back in the group (`{}`). */
  'side.state': Type.Union([Type.Object({ room: Id, with: Id }, { additionalProperties: false }), Type.Object({}, { additionalProperties: false })]),
  /** A member started sending a track. */
  'producer.added': ProducerInfo,
  /** A member stopped sending a track (consumers of it are closed by the server). */
  'producer.closed': Type.Object({ producerId: Id, peerId: Id }),
  /** A member's track was muted or unmuted (by them or a facilitator). */
  'producer.paused': Type.Object({ producerId: Id, peerId: Id, paused: Type.Boolean() }),
  /** A facilitator changed how much video this member takes part in (see `media.setReceiveMode`). */
  'media.videoMode': Type.Object({ video: VideoModeSchema, byFacilitator: Type.Boolean() }),
  /**
   * The session's media moved to a new router (its mediasoup worker died and the server rebuilt the room on
   * another): every transport, producer and consumer is gone. The member sets its media up again on this router
   * (same keys: nothing to rekey) and sends what it sent; the others' tracks arrive again as `producer.added`.
   */
  'media.restart': Type.Object({ routerRtpCapabilities: Type.Record(Type.String(), Type.Unknown()), generation: Type.Integer({ minimum: 0 }) }),
  /** The server closed one of this member's consumers. */
  'consumer.closed': Type.Object({ consumerId: Id }),
  /** The floor changed (mode, holder, queue, timer). */
  'turn.state': TurnView,
  /** Someone sent a quiet reaction. */
  'turn.reaction': Type.Object({ from: Id, reaction: ReactionSchema }),
  /** A sealed group key for this member, from `from` (members accept it only from their key leader). */
  'e2ee.key': Type.Object({ from: Id, epoch: Type.Integer(), nonce: B64(32, 32), box: B64(16, 256) }),
  /** Facilitators only: a member now uses the key of `epoch`. */
  'e2ee.acked': Type.Object({ peerId: Id, epoch: Type.Integer(), tag: B64(43, 43) }),
  /** An encrypted chat message from a member of the circle. */
  'chat.message': Type.Object({ from: Id, epoch: Type.Integer(), nonce: B64(16, 16), ciphertext: B64(22, 8192) }),
  /** Facilitators only: a private note sealed to this facilitator. */
  'chat.note': Type.Object({ from: Id, nonce: B64(32, 32), box: B64(22, 8192) }),
} as const;

export type ServerEventName = keyof typeof ServerEvents;
export type EventOf<K extends ServerEventName> = Static<(typeof ServerEvents)[K]>;
