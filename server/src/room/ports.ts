import type { EventOf, ErrorCode, MediaKind, MediaSource, ResponseOf, ServerEventName, VideoMode } from '@hearth/shared';

/** What Room needs from the media module (implemented by media/MediaRoom with mediasoup). */
export interface RoomMedia {
  readonly routerRtpCapabilities: object;
  readonly workerIndex: number;
  /** Its router is gone (closed, or its worker died): every request on it fails. */
  readonly lost: boolean;
  addPeer(peerId: string): void;
  removePeer(peerId: string): void;
  setRtpCapabilities(peerId: string, caps: unknown): void;
  createTransport(peerId: string, direction: 'send' | 'recv'): Promise<TransportParams>;
  connectTransport(peerId: string, transportId: string, dtlsParameters: unknown): Promise<void>;
  /** Fresh key frames to and from a member whose link came back (decoders on both sides wait for one). */
  refreshKeyFrames(peerId: string): void;
  /** New ICE credentials for one of the member's transports (the client restarts ICE with them). */
  restartIce(peerId: string, transportId: string): Promise<Record<string, unknown>>;
  produce(
    peerId: string, transportId: string, kind: MediaKind, source: MediaSource, rtp: unknown, paused: boolean,
  ): Promise<string>;
  closeProducer(peerId: string, producerId: string): void;
  setProducerPaused(peerId: string, producerId: string, paused: boolean): Promise<void>;
  /** Forward audio only from these members, or from everyone. */
  setAudible(audible: 'all' | ReadonlySet<string>): Promise<void>;
  consume(peerId: string, producerId: string): Promise<ConsumeResult>;
  /** The client is ready for this consumer; it flows unless the server holds it (audio only, see setVideoMode). */
  resumeConsumer(peerId: string, consumerId: string): Promise<void>;
  /**
   * How much video this member takes part in. `off` (audio only): its video consumers are closed (the member is
   * told, as `consumerClosed`), video cannot be consumed (AUDIO_ONLY), and on the open floor it hears only the
   * moderators and the last dominant speakers; `low`: its video consumers prefer the smallest layer.
   */
  setVideoMode(peerId: string, mode: VideoMode): Promise<void>;
  /**
   * Where a member is: the circle, a side room (`side:<room>`, shared by the pair), or `apart` (not private right
   * now). Media passes only between two members in the same space, never to or from `apart`; a floor (talking
   * stick) holds only microphones in the circle.
   */
  setSpace(peerId: string, space: MediaSpace): Promise<void>;
  /** Members an audio-only member always hears, whoever is speaking: the moderators in the circle. */
  setAlwaysHeard(peerIds: ReadonlySet<string>): void;
  dump(): Promise<MediaDump>;
  /** One member's producers and consumers as the media holds them (read-only: tests, diagnostics). */
  inspect(peerId: string): Promise<PeerMediaDump>;
  close(): void;
}

export type MediaSpace = 'circle' | 'apart' | `side:${string}`;

/** Live mediasoup objects in one room, read from the router (leak checks). */
export interface MediaDump {
  transports: number;
  producers: number;
  consumers: number;
  pausedConsumers: number;
  /** Ids of producers paused at the server (muted): mediasoup forwards nothing of them. */
  pausedProducers: string[];
}

/** A producer as the SFU sees it: the layers its sender declared, and the RTP streams that arrive (one a layer). */
export interface ProducerDump {
  id: string;
  kind: MediaKind;
  source: MediaSource;
  paused: boolean;
  encodings: { rid?: string; scalabilityMode?: string; maxBitrate?: number }[];
  streams: { rid?: string; ssrc: number; bitrate: number; score: number }[];
}

/** A consumer as the SFU holds it: paused (for any reason), held (by the speaker selection), its layers. */
export interface ConsumerDump {
  id: string;
  producerId: string;
  /** Whose producer it consumes. */
  peerId: string;
  kind: MediaKind;
  /** As the worker holds it: for any reason (not ready, held, or the whole consumer). */
  paused: boolean;
  held: boolean;
  /** The RTP header extensions the SFU writes on what it forwards to this member. */
  headerExtensions: string[];
  preferredLayers?: { spatialLayer: number; temporalLayer?: number };
  currentLayers?: { spatialLayer: number; temporalLayer?: number };
}

export interface PeerMediaDump {
  videoMode: VideoMode;
  producers: ProducerDump[];
  consumers: ConsumerDump[];
}

/** What a member needs to set up its side of a transport: the protocol's answer to `media.createTransport`. */
export type TransportParams = ResponseOf<'media.createTransport'>;

/** A consumer made for a member: the protocol's answer to `media.consume`. */
export type ConsumeResult = ResponseOf<'media.consume'>;

/** Things the media module reports back to its room. */
export interface MediaEvents {
  consumerClosed(peerId: string, consumerId: string): void;
  /** mediasoup's 0–10 quality score of what the server receives from this member changed. */
  producerScore(peerId: string, score: number): void;
}

export type RoomMediaFactory = (events: MediaEvents) => Promise<RoomMedia>;

/** How a room reaches one member's connection (implemented over socket.io by the gateway). */
export interface PeerOutbox {
  send<K extends ServerEventName>(event: K, payload: EventOf<K>): void;
  /** Tell the member why (with a facilitator's note, if any), then drop the connection. */
  close(code: ErrorCode, message?: string): void;
}
