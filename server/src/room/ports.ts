import type { EventOf, ErrorCode, MediaKind, MediaSource, ResponseOf, ServerEventName } from '@hearth/shared';

/** What Room needs from the media module (implemented by media/MediaRoom with mediasoup). */
export interface RoomMedia {
  readonly routerRtpCapabilities: object;
  readonly workerIndex: number;
  addPeer(peerId: string): void;
  removePeer(peerId: string): void;
  setRtpCapabilities(peerId: string, caps: unknown): void;
  createTransport(peerId: string, direction: 'send' | 'recv'): Promise<TransportParams>;
  connectTransport(peerId: string, transportId: string, dtlsParameters: unknown): Promise<void>;
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
  resumeConsumer(peerId: string, consumerId: string): Promise<void>;
  dump(): Promise<MediaDump>;
  close(): void;
}

/** Live mediasoup objects in one room, read from the router (leak checks). */
export interface MediaDump {
  transports: number;
  producers: number;
  consumers: number;
  pausedConsumers: number;
  /** Ids of producers paused at the server (muted): mediasoup forwards nothing of them. */
  pausedProducers: string[];
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
