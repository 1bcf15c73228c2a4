import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  DisplayName, DtlsParameters, Id, MediaKind, MediaSource, PeerInfo, RoomId, RtpCapabilities, RtpParameters,
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
  /** Enter a group by id with a display name. Acks the router's capabilities and who is already there. */
  'room.join': request(
    Strict({ roomId: RoomId, displayName: DisplayName }),
    Strict({ selfId: Id, routerRtpCapabilities: Opaque, peers: Type.Array(PeerInfo) }),
  ),
  /** Leave the group; the server closes every transport, producer and consumer of this member. */
  'room.leave': request(Empty, Empty),
  /** The device's receive capabilities (after `device.load`); required before `media.consume`. */
  'media.setRtpCapabilities': request(Strict({ rtpCapabilities: RtpCapabilities }), Empty),
  /** Create a WebRTC transport for sending or receiving. At most one of each per member. */
  'media.createTransport': request(
    Strict({ direction: Type.Union([Type.Literal('send'), Type.Literal('recv')]) }),
    Strict({ id: Id, iceParameters: Opaque, iceCandidates: Type.Array(Opaque), dtlsParameters: Opaque }),
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
    Strict({
      consumerId: Id, producerId: Id, peerId: Id, kind: MediaKind, source: MediaSource,
      rtpParameters: Opaque, producerPaused: Type.Boolean(),
    }),
  ),
  /** The client has set up its receiver: start forwarding media. */
  'media.resumeConsumer': request(Strict({ consumerId: Id }), Empty),
} as const;

export type ClientRequestName = keyof typeof ClientRequests;
export type RequestOf<K extends ClientRequestName> = Static<(typeof ClientRequests)[K]['request']>;
export type ResponseOf<K extends ClientRequestName> = Static<(typeof ClientRequests)[K]['response']>;
export const CLIENT_REQUEST_NAMES = Object.keys(ClientRequests) as ClientRequestName[];
