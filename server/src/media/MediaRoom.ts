import type { types } from 'mediasoup';
import { ErrorCode, HearthError, type MediaKind, type MediaSource, type VideoMode } from '@hearth/shared';
import type { Config } from '../config/schema.js';
import type { ConsumeResult, MediaDump, MediaSpace, MediaEvents, PeerMediaDump, RoomMedia, TransportParams } from '../room/ports.js';
import type { WorkerSlot } from './WorkerPool.js';
import { MEDIA_CODECS } from './codecs.js';
import { applyPause, describeConsumer, describeProducer, preferredLayers, stateOf, type ConsumerState } from './consumers.js';
import { SpeakerSelection } from './SpeakerSelection.js';

interface PeerMedia {
  rtpCapabilities?: types.RtpCapabilities;
  transports: Map<string, types.WebRtcTransport>;
  producers: Map<string, types.Producer>;
  consumers: Map<string, types.Consumer>;
  videoMode: VideoMode;
}

/** mediasoup rejects bad RTP parameters with TypeError / UnsupportedError: that is the client's fault. */
async function asClientError<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (error instanceof TypeError || (error instanceof Error && error.name === 'UnsupportedError')) {
      throw new HearthError(ErrorCode.MEDIA_REJECTED, error.message);
    }
    throw error;
  }
}

/** One room's router and every member's transports, producers and consumers on it. */
export class MediaRoom implements RoomMedia {
  private readonly peers = new Map<string, PeerMedia>();
  private closed = false;
  /** Whose audio is forwarded: everyone, or only these members (floor control). */
  private audible: 'all' | ReadonlySet<string> = 'all';
  /** Whom audio-only members hear on the open floor (the floor itself decides otherwise). */
  private readonly selection = new SpeakerSelection(3);
  private alwaysHeard: ReadonlySet<string> = new Set();
  /** Members not in the circle (side room or apart); everyone else is in it. */
  private readonly spaces = new Map<string, MediaSpace>();

  private constructor(
    private readonly slot: WorkerSlot,
    private readonly router: types.Router,
    /** mediasoup's dominant-speaker detection over every microphone of the room. */
    private readonly speakers: types.ActiveSpeakerObserver,
    private readonly rtc: Config['rtc'],
    private readonly maxIncomingBitrate: number,
    /** Most consumers one member may hold: every other member's mic and camera, with room to spare. */
    private readonly maxConsumers: number,
    private readonly events: MediaEvents,
  ) {
    // Reads the audio-level header extension, which end-to-end encryption leaves in clear (docs/e2ee.md).
    this.speakers.on('dominantspeaker', ({ producer }) => {
      const owner = this.producerOwner(producer.id);
      if (owner && this.selection.dominant(owner.peerId)) void this.refreshHeld().catch(() => undefined);
    });
  }

  static async create(slot: WorkerSlot, config: Readonly<Config>, events: MediaEvents): Promise<MediaRoom> {
    const router = await slot.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const speakers = await router.createActiveSpeakerObserver({ interval: 300 });
    slot.rooms++;
    return new MediaRoom(slot, router, speakers, config.rtc, config.mediasoup.maxIncomingBitrate, 4 * config.sessions.maxPeers, events);
  }

  get routerRtpCapabilities(): types.RtpCapabilities {
    return this.router.rtpCapabilities;
  }

  get lost(): boolean {
    return this.router.closed;
  }

  get workerIndex(): number {
    return this.slot.index;
  }

  addPeer(peerId: string): void {
    this.peers.set(peerId, { transports: new Map(), producers: new Map(), consumers: new Map(), videoMode: 'full' });
  }

  /** Closing a transport closes its producers and consumers; mediasoup tells consumers of closed producers. */
  removePeer(peerId: string): void {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    this.peers.delete(peerId);
    this.spaces.delete(peerId);
    for (const t of peer.transports.values()) t.close();
    this.selection.forget(peerId);
    void this.refreshHeld().catch(() => undefined);
  }

  setRtpCapabilities(peerId: string, caps: unknown): void {
    this.peer(peerId).rtpCapabilities = caps as types.RtpCapabilities;
  }

  async createTransport(peerId: string, direction: 'send' | 'recv'): Promise<TransportParams> {
    const peer = this.peer(peerId);
    for (const t of peer.transports.values()) {
      if (t.appData.direction === direction) throw new HearthError(ErrorCode.INVALID_STATE, `${direction} transport exists`);
    }
    const transport = await this.router.createWebRtcTransport({
      webRtcServer: this.slot.webRtcServer,
      enableUdp: true,
      enableTcp: this.rtc.enableTcp,
      preferUdp: true,
      appData: { direction },
    });
    if (this.closed || this.peers.get(peerId) !== peer) {
      transport.close(); // the member left while we waited
      throw new HearthError(ErrorCode.INVALID_STATE, 'left');
    }
    peer.transports.set(transport.id, transport);
    transport.observer.on('close', () => peer.transports.delete(transport.id));
    // The member's link came back (ICE connected again, maybe on a new address): fresh key frames both ways.
    transport.on('icestatechange', (state) => {
      if (state === 'connected' || state === 'completed') this.refreshKeyFrames(peerId);
    });
    if (direction === 'send') await transport.setMaxIncomingBitrate(this.maxIncomingBitrate).catch(() => undefined);
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    } as unknown as TransportParams;
  }

  /**
   * After a member's link dropped and came back, decoders on both sides wait for a key frame: ask for one from
   * every camera the member receives and for every consumer of the member's own camera. Fire and forget.
   */
  refreshKeyFrames(peerId: string): void {
    for (const [id, peer] of this.peers) {
      for (const c of peer.consumers.values()) {
        const fromMember = this.producerOwner(c.producerId)?.peerId === peerId;
        if (c.kind === 'video' && !c.paused && (id === peerId || fromMember)) void c.requestKeyFrame().catch(() => undefined);
      }
    }
  }

  async connectTransport(peerId: string, transportId: string, dtlsParameters: unknown): Promise<void> {
    const transport = this.transport(peerId, transportId);
    if (transport.dtlsState !== 'new') throw new HearthError(ErrorCode.INVALID_STATE, 'already connected');
    await asClientError(() => transport.connect({ dtlsParameters: dtlsParameters as types.DtlsParameters }));
  }

  async restartIce(peerId: string, transportId: string): Promise<Record<string, unknown>> {
    const iceParameters = await this.transport(peerId, transportId).restartIce();
    return iceParameters as unknown as Record<string, unknown>;
  }

  async produce(
    peerId: string, transportId: string, kind: MediaKind, source: MediaSource, rtpParameters: unknown, paused: boolean,
  ): Promise<string> {
    const peer = this.peer(peerId);
    const transport = this.transport(peerId, transportId);
    if (transport.appData.direction !== 'send') throw new HearthError(ErrorCode.INVALID_STATE, 'not a send transport');
    if ((source === 'mic') !== (kind === 'audio')) throw new HearthError(ErrorCode.BAD_MESSAGE, 'source/kind mismatch');
    for (const p of peer.producers.values()) {
      if (p.appData.source === source) throw new HearthError(ErrorCode.INVALID_STATE, `${source} already sent`);
    }
    const producer = await asClientError(() =>
      transport.produce({
        kind, rtpParameters: rtpParameters as types.RtpParameters, paused: paused || this.floorHolds(peerId, kind),
        appData: { source, selfPaused: paused },
        // A receiver without the current key cannot decode and keeps asking for key frames: at most one
        // request reaches the sender every 500 ms, however many receivers ask.
        keyFrameRequestDelay: kind === 'video' ? 500 : 0,
      }),
    );
    peer.producers.set(producer.id, producer);
    if (kind === 'audio') {
      await this.speakers.addProducer({ producerId: producer.id });
      await this.refreshHeld();
    }
    producer.on('score', (scores) => {
      if (scores.length > 0) this.events.producerScore(peerId, Math.min(...scores.map((s) => s.score)));
    });
    producer.observer.on('close', () => {
      peer.producers.delete(producer.id);
      if (kind === 'audio') void this.refreshHeld().catch(() => undefined);
    });
    return producer.id;
  }

  closeProducer(peerId: string, producerId: string): void {
    this.producer(peerId, producerId).close();
  }

  /** The member's own (or a facilitator's) mute. The floor may still hold the producer paused. */
  async setProducerPaused(peerId: string, producerId: string, paused: boolean): Promise<void> {
    const producer = this.producer(peerId, producerId);
    producer.appData.selfPaused = paused;
    await this.applyPause(peerId, producer);
  }

  /**
   * Floor control, as one intent: forward audio only from these members (or from everyone). Everyone else's
   * microphone is paused at the server, whatever their client does.
   */
  async setAudible(audible: 'all' | ReadonlySet<string>): Promise<void> {
    this.audible = audible;
    for (const [peerId, peer] of this.peers) for (const p of peer.producers.values()) await this.applyPause(peerId, p);
    await this.refreshHeld();
  }

  async setSpace(peerId: string, space: MediaSpace): Promise<void> {
    if (!this.peers.has(peerId)) return;
    if (space === 'circle') this.spaces.delete(peerId);
    else this.spaces.set(peerId, space);
    const changed: types.Consumer[] = [];
    for (const [id, peer] of this.peers) {
      for (const c of peer.consumers.values()) {
        const s = stateOf(c);
        const apart = this.apart(id, s.peerId);
        if (apart === s.apart) continue;
        s.apart = apart;
        changed.push(c);
      }
    }
    await Promise.all(changed.map((c) => applyPause(c)));
    // The floor holds microphones in the circle only: a side room speaks freely, and comes back under the floor.
    for (const p of this.peers.get(peerId)?.producers.values() ?? []) await this.applyPause(peerId, p);
  }

  /** Nothing passes between members in different spaces, nor to or from a member who is not private right now. */
  private apart(a: string, b: string): boolean {
    const sa = this.spaces.get(a) ?? 'circle';
    const sb = this.spaces.get(b) ?? 'circle';
    return sa === 'apart' || sb === 'apart' || sa !== sb;
  }

  setAlwaysHeard(peerIds: ReadonlySet<string>): void {
    this.alwaysHeard = new Set(peerIds);
    void this.refreshHeld().catch(() => undefined);
  }

  async setVideoMode(peerId: string, mode: VideoMode): Promise<void> {
    const peer = this.peer(peerId);
    peer.videoMode = mode;
    for (const c of [...peer.consumers.values()]) {
      if (c.kind !== 'video') continue;
      if (mode === 'off') {
        c.close();
        peer.consumers.delete(c.id);
        this.events.consumerClosed(peerId, c.id);
        continue;
      }
      const layers = preferredLayers(c, mode);
      if (layers) await c.setPreferredLayers(layers);
    }
    await this.refreshHeld();
  }

  /**
   * The speaker selection, applied: on the open floor an audio-only member hears the moderators and the last
   * few dominant speakers, and its other audio consumers are held paused at the server; under a floor (talking
   * stick, go-around) the floor already pauses everyone else's microphone, so nothing is held. Everyone else
   * hears everyone.
   */
  private async refreshHeld(): Promise<void> {
    const micOwners = [...this.peers].filter(([, p]) => [...p.producers.values()].some((x) => x.kind === 'audio')).map(([id]) => id);
    const heard = this.audible === 'all' ? this.selection.heard(micOwners, this.alwaysHeard) : 'all';
    const changed: types.Consumer[] = [];
    for (const peer of this.peers.values()) {
      for (const c of peer.consumers.values()) {
        if (c.kind !== 'audio') continue;
        const s = stateOf(c);
        const held = peer.videoMode === 'off' && heard !== 'all' && !heard.has(s.peerId);
        if (held === s.held) continue;
        s.held = held;
        changed.push(c);
      }
    }
    await Promise.all(changed.map((c) => applyPause(c)));
  }

  private floorHolds(peerId: string, kind: MediaKind): boolean {
    return kind === 'audio' && this.audible !== 'all' && !this.audible.has(peerId) && !this.spaces.has(peerId);
  }

  private async applyPause(peerId: string, producer: types.Producer): Promise<void> {
    const paused = producer.appData.selfPaused === true || this.floorHolds(peerId, producer.kind);
    if (paused && !producer.paused) await producer.pause();
    if (!paused && producer.paused) await producer.resume();
  }

  async consume(peerId: string, producerId: string): Promise<ConsumeResult> {
    const peer = this.peer(peerId);
    const caps = peer.rtpCapabilities;
    if (!caps) throw new HearthError(ErrorCode.INVALID_STATE, 'rtp capabilities not set');
    const transport = [...peer.transports.values()].find((t) => t.appData.direction === 'recv');
    if (!transport) throw new HearthError(ErrorCode.INVALID_STATE, 'no recv transport');
    const owner = this.producerOwner(producerId);
    if (!owner || owner.peerId === peerId) throw new HearthError(ErrorCode.NOT_FOUND, 'no such producer');
    const kind = owner.producer.kind;
    if (kind === 'video' && peer.videoMode === 'off') throw new HearthError(ErrorCode.AUDIO_ONLY, 'audio only: no video');
    // One consumer per producer and member: repeats would only multiply the forwarding cost.
    for (const c of peer.consumers.values()) {
      if (c.producerId === producerId) throw new HearthError(ErrorCode.INVALID_STATE, 'already consuming');
    }
    if (peer.consumers.size >= this.maxConsumers) throw new HearthError(ErrorCode.INVALID_STATE, 'too many consumers');
    if (!this.router.canConsume({ producerId, rtpCapabilities: caps })) {
      throw new HearthError(ErrorCode.MEDIA_REJECTED, 'cannot consume with these capabilities');
    }
    // Paused until the client has set up its receiver (and its decryption transform) and says so.
    const state: ConsumerState = { peerId: owner.peerId, ready: false, held: false, apart: this.apart(peerId, owner.peerId), paused: true };
    const consumer = await transport.consume({
      producerId, rtpCapabilities: caps, paused: true, appData: { ...state },
      ...(kind === 'video' && peer.videoMode === 'low' ? { preferredLayers: { spatialLayer: 0 } } : {}),
    });
    if (peer.videoMode === 'off' && kind === 'video') {
      consumer.close(); // the member switched to audio only while we waited
      throw new HearthError(ErrorCode.AUDIO_ONLY, 'audio only: no video');
    }
    peer.consumers.set(consumer.id, consumer);
    if (kind === 'audio') await this.refreshHeld(); // an audio-only member may not hear this speaker now
    consumer.observer.on('close', () => peer.consumers.delete(consumer.id));
    consumer.on('producerclose', () => this.events.consumerClosed(peerId, consumer.id));
    consumer.on('transportclose', () => peer.consumers.delete(consumer.id));
    return {
      consumerId: consumer.id,
      producerId,
      peerId: owner.peerId,
      kind: consumer.kind,
      source: owner.producer.appData.source as MediaSource,
      rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown>,
      producerPaused: consumer.producerPaused,
    };
  }

  async resumeConsumer(peerId: string, consumerId: string): Promise<void> {
    const consumer = this.peer(peerId).consumers.get(consumerId);
    if (!consumer) throw new HearthError(ErrorCode.NOT_FOUND, 'no such consumer');
    stateOf(consumer).ready = true;
    await applyPause(consumer);
  }

  /** Counts of live mediasoup objects, from the router itself (tests check for leaks with it). */
  async dump(): Promise<MediaDump> {
    const d = await this.router.dump();
    const consumers = [...this.peers.values()].flatMap((p) => [...p.consumers.values()]);
    const producers = [...this.peers.values()].flatMap((p) => [...p.producers.values()]);
    return {
      pausedProducers: producers.filter((p) => p.paused).map((p) => p.id),
      transports: d.transportIds.length,
      producers: d.mapProducerIdConsumerIds.length,
      consumers: d.mapConsumerIdProducerId.length,
      pausedConsumers: consumers.filter((c) => c.paused).length,
    };
  }

  async inspect(peerId: string): Promise<PeerMediaDump> {
    const peer = this.peer(peerId);
    return {
      videoMode: peer.videoMode,
      producers: await Promise.all([...peer.producers.values()].map(describeProducer)),
      consumers: await Promise.all([...peer.consumers.values()].map(describeConsumer)),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.peers.clear();
    this.router.close();
    this.slot.rooms--;
  }

  private peer(peerId: string): PeerMedia {
    const peer = this.peers.get(peerId);
    if (!peer) throw new HearthError(ErrorCode.INVALID_STATE, 'not in room');
    return peer;
  }

  private transport(peerId: string, transportId: string): types.WebRtcTransport {
    const t = this.peer(peerId).transports.get(transportId);
    if (!t) throw new HearthError(ErrorCode.NOT_FOUND, 'no such transport');
    return t;
  }

  private producer(peerId: string, producerId: string): types.Producer {
    const p = this.peer(peerId).producers.get(producerId);
    if (!p) throw new HearthError(ErrorCode.NOT_FOUND, 'no such producer');
    return p;
  }

  private producerOwner(producerId: string): { peerId: string; producer: types.Producer } | undefined {
    for (const [peerId, peer] of this.peers) {
      const producer = peer.producers.get(producerId);
      if (producer) return { peerId, producer };
    }
    return undefined;
  }
}
