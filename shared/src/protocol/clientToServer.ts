import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MODERATION_ACTIONS } from '../vocabulary/index.js';
import {
  B64, DeviceId, LinkReport, DisplayName, E2eeKey, ReactionSchema, TurnModeSchema, DtlsParameters, FacilitatorNote, Id, InviteToken, MediaKind, MediaSource, RoleSchema,
  ConsumerOptions, PrivacyCheck, ResumeToken, RoomSnapshot, TransportOptions, RtpCapabilities, RtpParameters, SessionId, SessionInfo, Signature, VideoModeSchema,
} from './common.js';

const Empty = Type.Object({}, { additionalProperties: false });
const Strict = <T extends Parameters<typeof Type.Object>[0]>(props: T) =>
  Type.Object(props, { additionalProperties: false });
/** mediasoup structures the server hands to mediasoup-client as they are. */
const Opaque = Type.Record(Type.String(), Type.Unknown());

function request<Req extends TSchema, Res extends TSchema>(request: Req, response: Res) {
  return { request, response };
}

/**
 * Every request a client may send, with the shape of its successful ack (`{ ok: true, data }`).
 * Failures ack `{ ok: false, code }` with a code from ErrorCode.
 */
export const ClientRequests = {
  /**
   * Arrive at a session with an invite. Facilitators are admitted at once (`room` is set); members wait
   * until a facilitator admits them (then `session.admitted` arrives). Identity comes from the token.
   */
  'session.join': request(
    Strict({
      sessionId: SessionId, token: InviteToken, displayName: DisplayName, deviceId: DeviceId, e2eeKey: E2eeKey,
      /** A moderator's own certificate (signed in its browser with the key from its link). */
      certificate: Type.Optional(Signature),
      /** The device's receive capabilities (see `session.capabilities`): media is then prepared at admission. */
      rtpCapabilities: Type.Optional(RtpCapabilities),
      /** The private-space check the member just went through (facilitators see it; absent: not done). */
      check: Type.Optional(PrivacyCheck),
    }),
    Strict({
      selfId: Id, role: RoleSchema, session: SessionInfo, admitted: Type.Boolean(), room: Type.Optional(RoomSnapshot),
      /** The router's codecs, so a waiting member can give its receive capabilities before it is admitted. */
      routerRtpCapabilities: Type.Optional(Opaque),
    }),
  ),
  /**
   * Before joining: the session's router codecs, so the page can load its media device while the member is still
   * on the pre-join screen and join with its receive capabilities.
   */
  'session.capabilities': request(Strict({ sessionId: SessionId }), Strict({ routerRtpCapabilities: Opaque })),
  /**
   * The pre-join page opened a link on this device: the invite is bound to the device at once (one of its uses), so
   * the same link opened on another device later (found in this browser's history, say) is refused with
   * TOKEN_USED_UP before anyone fills anything in. The same device may claim again (a reload). Refusals are the
   * join's: TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_REVOKED, TOKEN_USED_UP, SESSION_NOT_FOUND.
   */
  'session.claim': request(Strict({ sessionId: SessionId, token: InviteToken, deviceId: DeviceId }), Empty),
  /**
   * Leave the session (from the waiting room or the circle); every media object of this member is closed.
   * `quickExit`: the member left in a hurry (the quick exit, or the tab closed): a waiting member does not give its
   * use of the invite back, so the link stays bound to this device (worthless elsewhere). A plain Leave gives it back.
   */
  'session.leave': request(Strict({ quickExit: Type.Optional(Type.Boolean()) }), Empty),
  /**
   * Back after a dropped link, on a new connection: the seat, role, floor place and keys the member had, without
   * the waiting room, if it is within the grace period (else RESUME_EXPIRED: join again).
   */
  'session.resume': request(
    Strict({ sessionId: SessionId, resumeToken: ResumeToken }),
    Strict({ selfId: Id, role: RoleSchema, session: SessionInfo, room: RoomSnapshot }),
  ),
  /** The private-space check again, or finished (the ambient check may end after joining): facilitators see it. */
  'member.setCheck': request(Strict({ check: PrivacyCheck }), Empty),
  /**
   * "Not private right now" (`private: false`): the member's microphone and camera stop reaching the circle and the
   * circle stops reaching them, at the server, until they say they are private again. Facilitators see it.
   */
  'member.setPrivate': request(Strict({ private: Type.Boolean() }), Empty),
  /** Back to the group from a side room (either of the pair may; the side room closes for both). */
  'side.return': request(Empty, Empty),
  /** The member's connection quality changed (good / weak / poor, and what Hearth did): for the facilitator panel. */
  'media.reportQuality': request(LinkReport, Empty),
  /** New ICE credentials for one of the member's transports (its network changed or the transport failed). */
  'media.restartIce': request(Strict({ transportId: Id }), Strict({ iceParameters: Opaque })),
  /**
   * The device's receive capabilities (after `device.load`); required before `media.consume`. A waiting member may
   * send them too: at admission the server then makes its transports and microphone consumers in one go.
   */
  'media.setRtpCapabilities': request(Strict({ rtpCapabilities: RtpCapabilities }), Empty),
  /** Create a WebRTC transport for sending or receiving. At most one of each per member. */
  'media.createTransport': request(
    Strict({ direction: Type.Union([Type.Literal('send'), Type.Literal('recv')]) }),
    TransportOptions,
  ),
  /** Complete DTLS for one of the member's transports. */
  'media.connectTransport': request(Strict({ transportId: Id, dtlsParameters: DtlsParameters }), Empty),
  /** Start sending a track on the member's send transport. */
  'media.produce': request(
    Strict({ transportId: Id, kind: MediaKind, source: MediaSource, rtpParameters: RtpParameters }),
    Strict({ producerId: Id }),
  ),
  /** Stop sending a track for good (e.g. camera off). */
  'media.closeProducer': request(Strict({ producerId: Id }), Empty),
  /** Mute or unmute one of the member's own producers. */
  'media.setProducerPaused': request(Strict({ producerId: Id, paused: Type.Boolean() }), Empty),
  /** Receive another member's producer. The consumer starts paused; resume it once the client is ready. */
  'media.consume': request(
    Strict({ producerId: Id }),
    ConsumerOptions,
  ),
  /** The client has set up its receiver: start forwarding media. */
  'media.resumeConsumer': request(Strict({ consumerId: Id }), Empty),
  /**
   * How much video this member takes part in (see VideoMode). `off` (audio only): the server closes the member's
   * camera and its video consumers and refuses new ones (AUDIO_ONLY); `low`: every video consumer prefers the
   * smallest layer. The server keeps it until changed (by the member, or a facilitator's `setLowData`).
   */
  'media.setReceiveMode': request(Strict({ video: VideoModeSchema }), Empty),

  // End-to-end encryption. The server relays these as opaque, size-limited blobs to named admitted members.
  /**
   * The key leader hands a new group key to each member, one sealed envelope each. Refused unless the sender is
   * the leader by the shared rule (domain/leader.ts) and `epoch` is exactly the session's current epoch + 1.
   */
  'e2ee.distribute': request(
    Strict({
      epoch: Type.Integer({ minimum: 1, maximum: 0xffffffff }),
      // Empty when the leader is alone: the epoch still moves on, so the next leader continues above it.
      envelopes: Type.Array(Strict({ to: Id, nonce: B64(32, 32), box: B64(16, 256) }), { maxItems: 50 }),
    }),
    Strict({ delivered: Type.Integer() }),
  ),
  /**
   * This member now sends and receives with the key of `epoch`; `tag` proves it (an HMAC under that key, see
   * keySchedule.ackTag), so facilitators count it only if it verifies. An epoch above the current one is refused.
   */
  'e2ee.ack': request(Strict({ epoch: Type.Integer({ minimum: 1, maximum: 0xffffffff }), tag: B64(43, 43) }), Empty),
  /** A chat message for the circle, encrypted with the group's chat key. Never stored. */
  'chat.send': request(
    Strict({ epoch: Type.Integer({ minimum: 1, maximum: 0xffffffff }), nonce: B64(16, 16), ciphertext: B64(22, 8192) }),
    Empty,
  ),
  /** A private note to the facilitators only: one box per facilitator, sealed to their key. */
  'chat.note': request(
    Strict({ notes: Type.Array(Strict({ to: Id, nonce: B64(32, 32), box: B64(22, 8192) }), { minItems: 1, maxItems: 8 }) }),
    Strict({ delivered: Type.Integer() }),
  ),

  // Turn taking. The server runs the machine (shared/src/domain/turns.ts) and decides who is heard.
  /** Ask for the talking stick. */
  'turn.request': request(Empty, Empty),
  /** Withdraw a request. */
  'turn.cancel': request(Empty, Empty),
  /** Hand the stick on (in a go-around: pass, or done). `turn` guards against passing someone else's turn. */
  'turn.pass': request(Strict({ turn: Type.Integer({ minimum: 0 }) }), Empty),
  /** A quiet reaction (rate-limited per member). */
  'turn.react': request(Strict({ reaction: ReactionSchema }), Empty),

  // Safety actions. Who may send each is in domain/permissions.ts (ROLE_ACTIONS); the server enforces it.
  /** Let one waiting member in, with the certificate the facilitator's browser signed for their key. */
  'facilitator.admit': request(Strict({ peerId: Id, certificate: Type.Optional(Signature) }), Empty),
  /** Let everyone waiting in; `certificates` are the facilitator's signatures for those it saw waiting. */
  'facilitator.admitAll': request(
    Strict({ certificates: Type.Optional(Type.Array(Strict({ peerId: Id, certificate: Signature }), { maxItems: 50 })) }),
    Strict({ admitted: Type.Integer() }),
  ),
  /** Turn a waiting member away, with an optional note they will read. */
  'facilitator.deny': request(Strict({ peerId: Id, message: Type.Optional(FacilitatorNote) }), Empty),
  /** Mute a member; they cannot unmute themselves until a facilitator asks them to. */
  'facilitator.mute': request(Strict({ peerId: Id }), Empty),
  /** Allow a muted member to unmute again, and invite them to. */
  'facilitator.askUnmute': request(Strict({ peerId: Id }), Empty),
  /** Mute every member who is not a facilitator. */
  'facilitator.muteAll': request(Empty, Strict({ muted: Type.Integer() })),
  /** Stop a member's camera; they cannot restart it until allowed. */
  'facilitator.stopCamera': request(Strict({ peerId: Id }), Empty),
  /** Allow a member to turn their camera on again. */
  'facilitator.allowCamera': request(Strict({ peerId: Id }), Empty),
  /**
   * Switch a member to low data video (or back to full): what they receive and send drops to the smallest layer.
   * A member in audio only stays there. The member is told (`media.videoMode`) and may change it again.
   */
  'facilitator.setLowData': request(Strict({ peerId: Id, lowData: Type.Boolean() }), Empty),
  /**
   * Step out with one member into a 1:1 side room (a safety check-in): the pair hear and see only each other, the
   * circle hears neither, and their media is sealed with a key only the two can derive (crypto/keys.ts sideKey).
   */
  'facilitator.stepOut': request(Strict({ peerId: Id }), Empty),
  /** Remove someone: disconnected, told why, and kept out with the same link or device. */
  'facilitator.remove': request(
    Strict({ peerId: Id, message: Type.Optional(FacilitatorNote), revocation: Type.Optional(Signature) }),
    Empty,
  ),
  /** Lock (no new arrivals) or unlock the session. */
  'facilitator.lock': request(Strict({ locked: Type.Boolean() }), Empty),
  /** End the session for everyone. */
  'facilitator.end': request(Empty, Empty),
  /** A new invite for this session (the client adds the fragment secret to make the link). */
  'facilitator.createInvite': request(
    Strict({
      role: RoleSchema,
      maxUses: Type.Integer({ minimum: 1, maximum: 50 }),
      ttlMinutes: Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 }),
    }),
    Strict({ token: Type.String(), inviteId: Id, expiresAt: Type.String() }),
  ),
  /** Revoke an invite: nobody new can arrive with it. */
  'facilitator.revokeInvite': request(Strict({ inviteId: Id }), Empty),
  /** Open floor, talking stick, go-around or facilitator only. */
  'facilitator.setTurnMode': request(Strict({ mode: TurnModeSchema }), Empty),
  /** Hand the stick to a named member. */
  'facilitator.passStick': request(Strict({ peerId: Id }), Empty),
  /** Take the stick back (nobody holds it; facilitators can always speak). */
  'facilitator.takeStick': request(Empty, Empty),
  /** Give the current speaker more time. */
  'facilitator.extendTurn': request(Strict({ seconds: Type.Integer({ minimum: 10, maximum: 600 }) }), Empty),
  /** The per-turn time limit; 0 turns it off. */
  'facilitator.setTurnLimit': request(
    Strict({ seconds: Type.Union([Type.Literal(0), Type.Integer({ minimum: 5, maximum: 1800 })]) }),
    Empty,
  ),
} as const;

export type ClientRequestName = keyof typeof ClientRequests;
export type RequestOf<K extends ClientRequestName> = Static<(typeof ClientRequests)[K]['request']>;
export type ResponseOf<K extends ClientRequestName> = Static<(typeof ClientRequests)[K]['response']>;
export const CLIENT_REQUEST_NAMES = Object.keys(ClientRequests) as ClientRequestName[];

/** Every safety action named in the vocabulary is a request of this protocol (checked when compiling). */
const _moderationActionsAreRequests: readonly ClientRequestName[] = MODERATION_ACTIONS;
void _moderationActionsAreRequests;
