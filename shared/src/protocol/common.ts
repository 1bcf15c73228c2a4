import { Type, type Static } from '@sinclair/typebox';
import { AMBIENT_FINDINGS, PRIVACY_ITEMS, REACTIONS, ROLES, SESSION_KINDS, TURN_MODES } from '../vocabulary/index.js';

/** Bump on any incompatible change to a message below. Sent in the socket.io handshake (`auth`). */
export const PROTOCOL_VERSION = 9;

/** Largest socket.io packet the server accepts, in bytes (checked before parsing). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** A session id as it appears in a link: `/s/<sessionId>`. URL-safe, random, not guessable. */
export const SessionId = Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' });
/** A signed invite (compact JWS). Travels only in the link's fragment and in `session.join`. */
export const InviteToken = Type.String({ minLength: 20, maxLength: 2048, pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' });
/**
 * A random id the browser keeps for this origin, so that a reload is the same member and a removed member's
 * device stays out. Never shown to other members.
 */
export const DeviceId = Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' });
export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
export const SessionKindSchema = Type.Union(SESSION_KINDS.map((k) => Type.Literal(k)));
/** A short note from a facilitator to the member they deny or remove. Shown as plain text. */
export const FacilitatorNote = Type.String({ maxLength: 300 });
/** Opaque server-assigned id (mediasoup uses UUIDs; peers use random ids). */
export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
/**
 * What others see: 1–40 characters, at least one not blank, no control or bidi-override characters
 * (they could make one name impersonate another). Written without \\p{…}: TypeBox compiles patterns without
 * the `u` flag.
 */
export const DisplayName = Type.String({
  minLength: 1,
  maxLength: 40,
  pattern: '^(?=.*\\S)[^\\u0000-\\u001f\\u007f-\\u009f\\u200b-\\u200f\\u202a-\\u202e\\u2066-\\u2069]+$',
});

export const MediaKind = Type.Union([Type.Literal('audio'), Type.Literal('video')]);
export type MediaKind = Static<typeof MediaKind>;
/** Which device a producer carries: the kind alone does not say it (later: screen share). */
export const MediaSource = Type.Union([Type.Literal('mic'), Type.Literal('camera')]);
export type MediaSource = Static<typeof MediaSource>;
/**
 * How much video a member takes part in, kept by the server for each member. `full`: the layer its link carries
 * (the SFU picks it from the estimated bandwidth); `low`: low data, the smallest layer of every camera received,
 * and its own camera sends only its smallest layer; `off`: audio only, no video sent or received at all.
 */
export const VideoModeSchema = Type.Union([Type.Literal('full'), Type.Literal('low'), Type.Literal('off')]);
export type VideoMode = Static<typeof VideoModeSchema>;

// mediasoup's RTP/DTLS structures. Their shape is checked here (bounded, typed at the top level) and
// mediasoup's own ortc validation checks the rest; anything it rejects becomes MEDIA_REJECTED.
const Obj = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown());
const SmallArray = <T extends ReturnType<typeof Type.Unknown> | typeof Obj>(t: T, max = 64) =>
  Type.Array(t, { maxItems: max });

export const RtpCapabilities = Type.Object(
  { codecs: Type.Optional(SmallArray(Obj)), headerExtensions: Type.Optional(SmallArray(Obj)) },
  { additionalProperties: false },
);
export const RtpParameters = Type.Object(
  {
    mid: Type.Optional(Type.String({ maxLength: 32 })),
    codecs: SmallArray(Obj, 16),
    headerExtensions: Type.Optional(SmallArray(Obj, 32)),
    encodings: Type.Optional(SmallArray(Obj, 8)),
    rtcp: Type.Optional(Obj),
    msid: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
export const DtlsParameters = Type.Object(
  {
    role: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('client'), Type.Literal('server')])),
    fingerprints: Type.Array(
      Type.Object(
        { algorithm: Type.String({ maxLength: 16 }), value: Type.String({ maxLength: 256 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 8 },
    ),
  },
  { additionalProperties: false },
);

/** Base64url without padding, bounded. */
export const B64 = (minLength: number, maxLength: number) =>
  Type.String({ minLength, maxLength, pattern: '^[A-Za-z0-9_-]+$' });

/**
 * A member's X25519 public key (one per session and tab) and its binding to the session secret (see shared/src/crypto/keys.ts).
 * The server relays it; it cannot make one that members accept without the link.
 */
export const E2eeKey = Type.Object(
  { publicKey: B64(43, 43), binding: B64(43, 43) },
  { additionalProperties: false },
);
export type E2eeKey = Static<typeof E2eeKey>;

/**
 * An Ed25519 signature by the session signing key (64 bytes, base64url): a certificate over (session, member id,
 * role, public key) or a revocation of a removed member's key. See shared/src/crypto/membership.ts.
 */
export const Signature = B64(86, 86);

/** A producer as other members learn of it. */
export const ProducerInfo = Type.Object({
  id: Id,
  peerId: Id,
  kind: MediaKind,
  source: MediaSource,
  paused: Type.Boolean(),
});
export type ProducerInfo = Static<typeof ProducerInfo>;

/** A member as others see them. Deliberately little: no address, no device, no user agent. */
export const PeerInfo = Type.Object({
  id: Id,
  displayName: DisplayName,
  role: RoleSchema,
  /** Arrival order in the circle (the server's roster order; the key-leader rule reads it). */
  seq: Type.Integer({ minimum: 0 }),
  e2eeKey: E2eeKey,
  /** The facilitator-signed certificate of this member's key, if one was given (browsers verify it). */
  certificate: Type.Optional(Signature),
  producers: Type.Array(ProducerInfo),
  /** Their link dropped: the seat is kept for them for a while (absent: present). */
  away: Type.Optional(Type.Boolean()),
  /** Stepped away from the circle (not private right now, or in a side room): not heard, hears nothing of it. */
  apart: Type.Optional(Type.Boolean()),
});
export type PeerInfo = Static<typeof PeerInfo>;

/** A member's private-space check (issue 11): the items they confirmed and what the ambient check heard. */
export const PrivacyCheck = Type.Object({
  confirmed: Type.Array(Type.Union(PRIVACY_ITEMS.map((i) => Type.Literal(i))), { maxItems: PRIVACY_ITEMS.length, uniqueItems: true }),
  ambient: Type.Union(AMBIENT_FINDINGS.map((f) => Type.Literal(f))),
}, { additionalProperties: false });
export type PrivacyCheck = Static<typeof PrivacyCheck>;

/** A member's connection as their own browser measures it, and what Hearth did about it (issue 10). */
export const LinkReport = Type.Object({
  level: Type.Union([Type.Literal('good'), Type.Literal('weak'), Type.Literal('poor')]),
  adapted: Type.Optional(Type.Union([Type.Literal('audioOnly'), Type.Literal('lowData')])),
}, { additionalProperties: false });
export type LinkReport = Static<typeof LinkReport>;

const OpaqueRecord = Type.Record(Type.String(), Type.Unknown());

/** What mediasoup-client needs to set up its side of a WebRTC transport. */
export const TransportOptions = Type.Object(
  { id: Id, iceParameters: OpaqueRecord, iceCandidates: Type.Array(OpaqueRecord), dtlsParameters: OpaqueRecord },
  { additionalProperties: false },
);

/** A consumer the server made for this member (paused until the member's receiver is ready and it resumes it). */
export const ConsumerOptions = Type.Object({
  consumerId: Id, producerId: Id, peerId: Id, kind: MediaKind, source: MediaSource,
  rtpParameters: OpaqueRecord, producerPaused: Type.Boolean(),
}, { additionalProperties: false });

/**
 * Made by the server at admission for a member who gave its receive capabilities while waiting: both transports
 * and a consumer of every microphone in the circle, so the first sound is round trips nearer (issue 10).
 */
export const PreparedMedia = Type.Object({
  send: TransportOptions,
  recv: TransportOptions,
  consumers: Type.Array(ConsumerOptions, { maxItems: 200 }),
}, { additionalProperties: false });
export type PreparedMedia = Static<typeof PreparedMedia>;

/**
 * A TURN server with short-lived credentials minted for this member (TURN REST convention; server/src/auth/
 * turnCredentials.ts): the browser relays through it when no direct path reaches the SFU.
 */
export const IceServer = Type.Object({
  urls: Type.Array(Type.String({ pattern: '^turns?:', maxLength: 256 }), { minItems: 1, maxItems: 8 }),
  username: Type.String({ minLength: 1, maxLength: 128 }),
  credential: Type.String({ minLength: 1, maxLength: 128 }),
}, { additionalProperties: false });
export type IceServer = Static<typeof IceServer>;

/** 128 random bits, base64url: proves a new connection is the member whose link dropped. */
export const ResumeToken = B64(22, 22);

/** What an admitted member needs to enter the circle: the router's codecs and who is there. */
export const RoomSnapshot = Type.Object({
  routerRtpCapabilities: Type.Record(Type.String(), Type.Unknown()),
  peers: Type.Array(PeerInfo),
  /** This member as the others see it (its arrival number, and the certificate the server holds for it). */
  self: PeerInfo,
  /** The newest key epoch relayed in this session: a new key leader continues above it (metadata only). */
  keyEpoch: Type.Integer({ minimum: 0 }),
  /** Signed revocations of removed members' keys, so a late arrival never seals a key to them either. */
  revocations: Type.Array(Type.Object({ peerId: Id, publicKey: B64(43, 43), revocation: Signature }), { maxItems: 500 }),
  /**
   * How to come back after a dropped link without the waiting room: a secret token for `session.resume` (kept in
   * the page's memory only) and how long the seat is kept.
   */
  resume: Type.Optional(Type.Object({ token: ResumeToken, graceMs: Type.Integer({ minimum: 0 }) })),
  prepared: Type.Optional(PreparedMedia),
  /** TURN servers with credentials minted for this member now (absent: the server has no TURN configured). */
  iceServers: Type.Optional(Type.Array(IceServer, { maxItems: 4 })),
  /**
   * How many times the session's media was rebuilt on a new router (`media.restart`): a member coming back from a
   * dropped link whose media is of an older generation sets it up again instead of restarting ICE.
   */
  mediaGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type RoomSnapshot = Static<typeof RoomSnapshot>;

/** The session as a member sees it. */
export const SessionInfo = Type.Object({ title: Type.String({ maxLength: 120 }), kind: SessionKindSchema });
export type SessionInfo = Static<typeof SessionInfo>;

export const TurnModeSchema = Type.Union(TURN_MODES.map((m) => Type.Literal(m)));
export const ReactionSchema = Type.Union(REACTIONS.map((r) => Type.Literal(r)));
