import { randomUUID } from 'node:crypto';
import { ErrorCode, HearthError, type MediaKind, type MediaSource, type VideoMode } from '@hearth/shared';
import { MEDIA_CODECS } from '../../server/src/media/codecs.js';
import type {
  ConsumeResult, MediaDump, MediaEvents, MediaSpace, PeerMediaDump, RoomMedia, RoomMediaFactory, TransportParams,
} from '../../server/src/room/ports.js';

// An in-memory RoomMedia: what media/MediaRoom.ts does with mediasoup, minus the RTP. Same checks, in the same
// order, with the same HearthError codes; consumers of a closed producer are closed at once (dump shows it, as the
// router's own dump does) and their owners are told a moment later (mediasoup's notification is asynchronous).

interface Transport { id: string; direction: 'send' | 'recv'; connected: boolean }
interface Producer { id: string; kind: MediaKind; source: MediaSource; mimeType: string; selfPaused: boolean; paused: boolean }
interface Consumer { id: string; producerId: string; peerId: string; kind: MediaKind; paused: boolean; apart: boolean }
interface Peer {
  rtpCapabilities?: { codecs?: { mimeType?: unknown }[] };
  transports: Map<string, Transport>;
  producers: Map<string, Producer>;
  consumers: Map<string, Consumer>;
  videoMode: VideoMode;
}

/** The router's capabilities, as mediasoup derives them from MEDIA_CODECS (payload types assigned). */
export const FAKE_ROUTER_CAPABILITIES = {
  codecs: MEDIA_CODECS.map((c, i) => ({ ...c, preferredPayloadType: 100 + i, rtcpFeedback: [] })),
  headerExtensions: [],
};

const sameMime = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

export class FakeMedia implements RoomMedia {
  readonly routerRtpCapabilities = FAKE_ROUTER_CAPABILITIES;
  private readonly peers = new Map<string, Peer>();
  private audible: 'all' | ReadonlySet<string> = 'all';
  private readonly spaces = new Map<string, MediaSpace>();
  private closedFlag = false;

  constructor(
    private readonly events: MediaEvents,
    readonly workerIndex = 0,
    /** Most consumers one member may hold (MediaRoom: 4 x maxPeers). */
    private readonly maxConsumers = 4 * 50,
  ) {}

  get lost(): boolean {
    return this.closedFlag;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  addPeer(peerId: string): void {
    this.peers.set(peerId, { transports: new Map(), producers: new Map(), consumers: new Map(), videoMode: 'full' });
  }

  /** Like closing every transport of the member: its producers and consumers go, and others' consumers of them. */
  removePeer(peerId: string): void {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    this.peers.delete(peerId);
    this.spaces.delete(peerId);
    for (const p of peer.producers.values()) this.closeConsumersOf(p.id);
    peer.transports.clear();
    peer.producers.clear();
    peer.consumers.clear();
  }

  setRtpCapabilities(peerId: string, caps: unknown): void {
    this.peer(peerId).rtpCapabilities = caps as Peer['rtpCapabilities'];
  }

  async createTransport(peerId: string, direction: 'send' | 'recv'): Promise<TransportParams> {
    const peer = this.peer(peerId);
    for (const t of peer.transports.values()) {
      if (t.direction === direction) throw new HearthError(ErrorCode.INVALID_STATE, `${direction} transport exists`);
    }
    await Promise.resolve(); // mediasoup awaits the worker here: the member may leave meanwhile
    if (this.closedFlag || this.peers.get(peerId) !== peer) throw new HearthError(ErrorCode.INVALID_STATE, 'left');
    const id = randomUUID();
    peer.transports.set(id, { id, direction, connected: false });
    return {
      id,
      iceParameters: { usernameFragment: id.slice(0, 16), password: id, iceLite: true },
      iceCandidates: [],
      dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: Array(32).fill('00').join(':') }] },
    };
  }

  async connectTransport(peerId: string, transportId: string, dtlsParameters: unknown): Promise<void> {
    const transport = this.transport(peerId, transportId);
    if (transport.connected) throw new HearthError(ErrorCode.INVALID_STATE, 'already connected');
    const fingerprints = (dtlsParameters as { fingerprints?: unknown } | null)?.fingerprints;
    if (!Array.isArray(fingerprints) || fingerprints.length === 0) throw new HearthError(ErrorCode.MEDIA_REJECTED, 'invalid dtlsParameters');
    transport.connected = true;
  }

  /** Counts requests (the fake has no decoders to feed). */
  keyFrameRefreshes: string[] = [];

  refreshKeyFrames(peerId: string): void {
    this.keyFrameRefreshes.push(peerId);
  }

  async restartIce(peerId: string, transportId: string): Promise<Record<string, unknown>> {
    this.transport(peerId, transportId);
    return { usernameFragment: randomUUID().slice(0, 8), password: randomUUID(), iceLite: true };
  }

  async produce(
    peerId: string, transportId: string, kind: MediaKind, source: MediaSource, rtp: unknown, paused: boolean,
  ): Promise<string> {
    const peer = this.peer(peerId);
    const transport = this.transport(peerId, transportId);
    if (transport.direction !== 'send') throw new HearthError(ErrorCode.INVALID_STATE, 'not a send transport');
    if ((source === 'mic') !== (kind === 'audio')) throw new HearthError(ErrorCode.BAD_MESSAGE, 'source/kind mismatch');
    for (const p of peer.producers.values()) {
      if (p.source === source) throw new HearthError(ErrorCode.INVALID_STATE, `${source} already sent`);
    }
    const mimeType = this.supportedCodec(kind, rtp);
    await Promise.resolve();
    const id = randomUUID();
    peer.producers.set(id, { id, kind, source, mimeType, selfPaused: paused, paused: paused || this.floorHolds(peerId, kind) });
    return id;
  }

  closeProducer(peerId: string, producerId: string): void {
    this.producer(peerId, producerId);
    this.peer(peerId).producers.delete(producerId);
    this.closeConsumersOf(producerId);
  }

  async setProducerPaused(peerId: string, producerId: string, paused: boolean): Promise<void> {
    const producer = this.producer(peerId, producerId);
    producer.selfPaused = paused;
    this.applyPause(peerId, producer);
  }

  async setAudible(audible: 'all' | ReadonlySet<string>): Promise<void> {
    this.audible = audible;
    for (const [peerId, peer] of this.peers) for (const p of peer.producers.values()) this.applyPause(peerId, p);
  }

  async consume(peerId: string, producerId: string): Promise<ConsumeResult> {
    const peer = this.peer(peerId);
    const caps = peer.rtpCapabilities;
    if (!caps) throw new HearthError(ErrorCode.INVALID_STATE, 'rtp capabilities not set');
    const transport = [...peer.transports.values()].find((t) => t.direction === 'recv');
    if (!transport) throw new HearthError(ErrorCode.INVALID_STATE, 'no recv transport');
    const owner = this.producerOwner(producerId);
    if (!owner || owner.peerId === peerId) throw new HearthError(ErrorCode.NOT_FOUND, 'no such producer');
    if (owner.producer.kind === 'video' && peer.videoMode === 'off') throw new HearthError(ErrorCode.AUDIO_ONLY, 'audio only: no video');
    for (const c of peer.consumers.values()) {
      if (c.producerId === producerId) throw new HearthError(ErrorCode.INVALID_STATE, 'already consuming');
    }
    if (peer.consumers.size >= this.maxConsumers) throw new HearthError(ErrorCode.INVALID_STATE, 'too many consumers');
    const codecs = Array.isArray(caps.codecs) ? caps.codecs : [];
    if (!codecs.some((c) => sameMime(c?.mimeType, owner.producer.mimeType))) {
      throw new HearthError(ErrorCode.MEDIA_REJECTED, 'cannot consume with these capabilities');
    }
    await Promise.resolve();
    const id = randomUUID();
    peer.consumers.set(id, { id, producerId, peerId: owner.peerId, kind: owner.producer.kind, paused: true, apart: this.apart(peerId, owner.peerId) });
    const codec = FAKE_ROUTER_CAPABILITIES.codecs.find((c) => sameMime(c.mimeType, owner.producer.mimeType))!;
    return {
      consumerId: id,
      producerId,
      peerId: owner.peerId,
      kind: owner.producer.kind,
      source: owner.producer.source,
      rtpParameters: { codecs: [{ ...codec, payloadType: codec.preferredPayloadType }], encodings: [{ ssrc: 1 }], rtcp: { cname: 'fake' } },
      producerPaused: owner.producer.paused,
    };
  }

  async resumeConsumer(peerId: string, consumerId: string): Promise<void> {
    const consumer = this.peer(peerId).consumers.get(consumerId);
    if (!consumer) throw new HearthError(ErrorCode.NOT_FOUND, 'no such consumer');
    consumer.paused = false;
  }

  /** Audio only closes the member's video consumers (and tells it); the speaker selection needs RTP: not here. */
  async setVideoMode(peerId: string, mode: VideoMode): Promise<void> {
    const peer = this.peer(peerId);
    peer.videoMode = mode;
    if (mode !== 'off') return;
    for (const c of [...peer.consumers.values()]) {
      if (c.kind !== 'video') continue;
      peer.consumers.delete(c.id);
      this.events.consumerClosed(peerId, c.id);
    }
  }

  setAlwaysHeard(_peerIds: ReadonlySet<string>): void {}

  /** As MediaRoom: nothing passes between different spaces, nor to or from `apart`; the floor holds the circle only. */
  async setSpace(peerId: string, space: MediaSpace): Promise<void> {
    if (!this.peers.has(peerId)) return;
    if (space === 'circle') this.spaces.delete(peerId);
    else this.spaces.set(peerId, space);
    for (const [id, peer] of this.peers) for (const c of peer.consumers.values()) c.apart = this.apart(id, c.peerId);
    for (const p of this.peers.get(peerId)?.producers.values() ?? []) this.applyPause(peerId, p);
  }

  private apart(a: string, b: string): boolean {
    const sa = this.spaces.get(a) ?? 'circle';
    const sb = this.spaces.get(b) ?? 'circle';
    return sa === 'apart' || sb === 'apart' || sa !== sb;
  }

  async inspect(peerId: string): Promise<PeerMediaDump> {
    const peer = this.peer(peerId);
    return {
      videoMode: peer.videoMode,
      producers: [...peer.producers.values()].map((p) => ({ id: p.id, kind: p.kind, source: p.source, paused: p.paused, encodings: [], streams: [] })),
      consumers: [...peer.consumers.values()].map((c) => ({ id: c.id, producerId: c.producerId, peerId: c.peerId, kind: c.kind, paused: c.paused || c.apart, held: false, headerExtensions: [] })),
    };
  }

  async dump(): Promise<MediaDump> {
    const peers = [...this.peers.values()];
    const producers = peers.flatMap((p) => [...p.producers.values()]);
    const consumers = peers.flatMap((p) => [...p.consumers.values()]);
    return {
      transports: peers.reduce((n, p) => n + p.transports.size, 0),
      producers: producers.length,
      consumers: consumers.length,
      pausedConsumers: consumers.filter((c) => c.paused).length,
      pausedProducers: producers.filter((p) => p.paused).map((p) => p.id),
    };
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.peers.clear();
  }

  /** Members the media knows of (added and not removed). */
  members(): string[] {
    return [...this.peers.keys()];
  }

  /** What mediasoup reports when the score of what it receives from a member changes (0–10). */
  reportScore(peerId: string, score: number): void {
    this.events.producerScore(peerId, score);
  }

  private supportedCodec(kind: MediaKind, rtp: unknown): string {
    const codecs = (rtp as { codecs?: { mimeType?: unknown }[] } | null)?.codecs;
    const first = Array.isArray(codecs) ? codecs[0]?.mimeType : undefined;
    const known = MEDIA_CODECS.find((c) => c.kind === kind && sameMime(first, c.mimeType));
    if (!known) throw new HearthError(ErrorCode.MEDIA_REJECTED, 'unsupported codec');
    return known.mimeType;
  }

  private floorHolds(peerId: string, kind: MediaKind): boolean {
    return kind === 'audio' && this.audible !== 'all' && !this.audible.has(peerId) && !this.spaces.has(peerId);
  }

  private applyPause(peerId: string, producer: Producer): void {
    producer.paused = producer.selfPaused || this.floorHolds(peerId, producer.kind);
  }

  private closeConsumersOf(producerId: string): void {
    for (const [peerId, peer] of this.peers) {
      for (const c of [...peer.consumers.values()]) {
        if (c.producerId !== producerId) continue;
        peer.consumers.delete(c.id);
        setImmediate(() => this.events.consumerClosed(peerId, c.id));
      }
    }
  }

  private peer(peerId: string): Peer {
    const peer = this.peers.get(peerId);
    if (!peer) throw new HearthError(ErrorCode.INVALID_STATE, 'not in room');
    return peer;
  }

  private transport(peerId: string, transportId: string): Transport {
    const t = this.peer(peerId).transports.get(transportId);
    if (!t) throw new HearthError(ErrorCode.NOT_FOUND, 'no such transport');
    return t;
  }

  private producer(peerId: string, producerId: string): Producer {
    const p = this.peer(peerId).producers.get(producerId);
    if (!p) throw new HearthError(ErrorCode.NOT_FOUND, 'no such producer');
    return p;
  }

  private producerOwner(producerId: string): { peerId: string; producer: Producer } | undefined {
    for (const [peerId, peer] of this.peers) {
      const producer = peer.producers.get(producerId);
      if (producer) return { peerId, producer };
    }
    return undefined;
  }
}

/** A factory for buildApp's `media` option that keeps every room it made, for tests to look into. */
export class FakeMediaRooms {
  readonly rooms: FakeMedia[] = [];
  readonly factory: RoomMediaFactory;
  /** Set: no room can be made (as when no mediasoup worker comes back). */
  unavailable = false;

  constructor(opts: { maxPeers?: number; workerIndex?: number } = {}) {
    this.factory = async (events) => {
      if (this.unavailable) throw new Error('no mediasoup worker is running');
      const media = new FakeMedia(events, opts.workerIndex ?? 0, 4 * (opts.maxPeers ?? 50));
      this.rooms.push(media);
      return media;
    };
  }

  /** Live (unclosed) rooms. */
  live(): FakeMedia[] {
    return this.rooms.filter((r) => !r.closed);
  }

  /** The same totals as support/server.ts mediaTotals(), over the live rooms. */
  async totals(): Promise<{ sessions: number; transports: number; producers: number; consumers: number; pausedConsumers: number }> {
    const live = this.live();
    const totals = { sessions: live.length, transports: 0, producers: 0, consumers: 0, pausedConsumers: 0 };
    for (const r of live) {
      const d = await r.dump();
      totals.transports += d.transports;
      totals.producers += d.producers;
      totals.consumers += d.consumers;
      totals.pausedConsumers += d.pausedConsumers;
    }
    return totals;
  }

  async pausedProducers(): Promise<string[]> {
    return (await Promise.all(this.live().map((r) => r.dump()))).flatMap((d) => d.pausedProducers);
  }
}
