import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { IceServer, MediaKind, MediaSource, PreparedMedia, ProducerInfo, ResponseOf } from '@hearth/shared';
import type { SignalingClient } from '../connection/SignalingClient.js';
import type { KeyManager } from '../e2ee/KeyManager.js';

/** A consumer as the server describes it (the answer to `media.consume`, or one made at admission). */
export type ConsumeAnswer = ResponseOf<'media.consume'>;

/** A remote member's track as the view-model sees it. */
export interface RemoteTrack {
  consumerId: string;
  producerId: string;
  peerId: string;
  kind: MediaKind;
  source: MediaSource;
  track: MediaStreamTrack;
  producerPaused: boolean;
}

/**
 * Opus tuned for speech on thin links, for every microphone: the SFU cannot transcode encrypted audio, so what an
 * audio-only member on a weak link receives is what each speaker sends. Mono, DTX in silences, in-band FEC, 60 ms
 * packets (a third of the packets of 20 ms, so a third of the RTP, SRTP and E2EE trailer overhead) and a 9 kbit/s
 * target. One speaker then costs an audio-only member ≈ 19 kbit/s on the wire, RTCP, IPv4/UDP headers and the
 * E2EE trailer included (10 kbit/s measured ≈ 20.3; tests/e2e/videomodes.test.ts prints it).
 */
export const OPUS_BITRATE = 9_000;
const AUDIO_CODEC_OPTIONS: types.ProducerCodecOptions = {
  opusStereo: false, opusDtx: true, opusFec: true, opusPtime: 60, opusMaxAverageBitrate: OPUS_BITRATE,
};

/**
 * The camera as simulcast layers, smallest first, so the SFU gives each receiver what its link carries (and low
 * data the smallest): from a 640x480 capture 320x240 and 640x480, each VP8 with three temporal layers (the SFU can
 * also drop to 1/2 or 1/4 of the frame rate). Two, not three: Chromium sends at most two simulcast layers of a
 * 640x480 source (its layer limit by resolution; asked for 160/320/640 it sent only 160 and 320, measured in
 * tests/e2e/videomodes.test.ts). Every layer's frames pass through the one encrypting transform of this sender,
 * whose counter is shared by all of them, so no two frames ever share an IV.
 */
const VIDEO_ENCODINGS: (RTCRtpEncodingParameters & { scalabilityMode?: string })[] = [
  { scaleResolutionDownBy: 2, maxBitrate: 200_000, maxFramerate: 30, scalabilityMode: 'L1T3' },
  { scaleResolutionDownBy: 1, maxBitrate: 800_000, maxFramerate: 30, scalabilityMode: 'L1T3' },
];

/** mediasoup-client's device and this member's two transports; every step is a signaling request. */
export class MediaSession {
  private device = new Device();
  private sendTransport: types.Transport | undefined;
  private recvTransport: types.Transport | undefined;
  /** TURN servers with credentials the server minted for us (none: the SFU is reached directly). */
  private iceServers: RTCIceServer[] = [];
  private readonly producers = new Map<MediaSource, types.Producer>();
  private readonly consumers = new Map<string, types.Consumer>();
  /** Low data: our camera sends its smallest layer only. */
  private cameraLow = false;

  constructor(
    private readonly signaling: SignalingClient,
    private readonly keys: KeyManager,
  ) {}

  async start(routerRtpCapabilities: unknown): Promise<void> {
    await this.loadDevice(routerRtpCapabilities);
    // One round trip for all three (socket.io keeps each answer with its request): on a 300 ms link that is
    // 0.6 s less between the facilitator's Admit and the first sound.
    const [, send, recv] = await Promise.all([
      this.signaling.request('media.setRtpCapabilities', { rtpCapabilities: this.device.recvRtpCapabilities as never }),
      this.createTransport('send'),
      this.createTransport('recv'),
    ]);
    this.sendTransport = send;
    this.recvTransport = recv;
    this.watchNetwork();
  }

  /**
   * The server rebuilt the session's media on a new router (`media.restart`): everything we had there is gone, so
   * ours goes too (our tracks keep running: producers never stop them) and is made again on the new router, with a
   * device loaded with its capabilities. The caller sends its tracks again; the keys do not change.
   */
  async restart(routerRtpCapabilities: unknown): Promise<void> {
    this.close();
    this.device = new Device();
    await this.start(routerRtpCapabilities);
  }

  async produce(source: MediaSource, track: MediaStreamTrack): Promise<void> {
    if (!this.sendTransport) throw new Error('media session not started');
    const producer = await this.sendTransport.produce({
      track,
      appData: { source },
      // When paused, send no RTP at all (not silence): a muted member is not even heard breathing.
      zeroRtpOnPause: true,
      disableTrackOnPause: true,
      stopTracks: false,
      // Every frame is encrypted before it leaves: the transform is set as the sender is created, before any
      // frame can be sent.
      onRtpSender: (sender) => {
        sender.transform = this.keys.transform({ operation: 'encrypt', kind: track.kind as 'audio' | 'video' });
      },
      ...(source === 'mic'
        ? { codecOptions: AUDIO_CODEC_OPTIONS }
        : { encodings: VIDEO_ENCODINGS, codec: this.vp8() }),
    });
    this.producers.set(source, producer);
    if (source === 'camera' && this.cameraLow) await producer.setMaxSpatialLayer(0);
  }

  /** Low data: the camera's larger layers stop at the encoder (not only at the SFU), which saves our uplink. */
  async setCameraLow(low: boolean): Promise<void> {
    this.cameraLow = low;
    const camera = this.producers.get('camera');
    if (camera && !camera.closed) await camera.setMaxSpatialLayer(low ? 0 : VIDEO_ENCODINGS.length - 1);
  }

  /** The ids of the video consumers we hold (audio only closes them all). */
  videoConsumers(): string[] {
    return [...this.consumers.values()].filter((c) => c.kind === 'video').map((c) => c.id);
  }

  has(source: MediaSource): boolean {
    return this.producers.has(source);
  }

  async setPaused(source: MediaSource, paused: boolean): Promise<void> {
    const producer = this.producers.get(source);
    if (!producer) return;
    // Muting stops sending here first; unmuting asks the server first (a facilitator's mute may refuse it),
    // so a refused unmute never sends a single packet.
    if (paused) producer.pause();
    await this.signaling.request('media.setProducerPaused', { producerId: producer.id, paused });
    if (!paused) producer.resume();
  }

  /** The server already paused it (a facilitator's mute): stop sending here too, without asking. */
  pauseLocally(source: MediaSource): void {
    this.producers.get(source)?.pause();
  }

  /** The server already closed it (a facilitator stopped the camera): drop it here too. */
  dropLocally(source: MediaSource): MediaStreamTrack | undefined {
    const producer = this.producers.get(source);
    this.producers.delete(source);
    producer?.close();
    return producer?.track ?? undefined;
  }

  async closeProducer(source: MediaSource): Promise<void> {
    const producer = this.producers.get(source);
    if (!producer) return;
    this.producers.delete(source);
    producer.close();
    await this.signaling.request('media.closeProducer', { producerId: producer.id });
  }

  async consume(info: ProducerInfo): Promise<RemoteTrack> {
    if (!this.recvTransport) throw new Error('media session not started');
    return this.receive(await this.signaling.request('media.consume', { producerId: info.id }));
  }

  /** Sets up the receiver of a consumer the server made (asked for, or prepared at admission), then resumes it. */
  async receive(res: ConsumeAnswer): Promise<RemoteTrack> {
    if (!this.recvTransport) throw new Error('media session not started');
    const consumer = await this.recvTransport.consume({
      id: res.consumerId,
      producerId: res.producerId,
      kind: res.kind,
      rtpParameters: res.rtpParameters as unknown as types.RtpParameters,
      // Set here, right after setRemoteDescription: a receiver transform set any later is silently ignored and
      // ciphertext would reach the decoder (docs/e2ee.md, "Frame format"; the browser call test catches it).
      onRtpReceiver: (receiver) => {
        receiver.transform = this.keys.transform({ operation: 'decrypt', kind: res.kind, peerId: res.peerId });
      },
    });
    this.consumers.set(consumer.id, consumer);
    // The server created the consumer paused; our receiver is ready now.
    await this.signaling.request('media.resumeConsumer', { consumerId: consumer.id });
    return {
      consumerId: consumer.id, producerId: res.producerId, peerId: res.peerId, kind: res.kind, source: res.source,
      track: consumer.track, producerPaused: res.producerPaused,
    };
  }

  closeConsumer(consumerId: string): void {
    this.consumers.get(consumerId)?.close();
    this.consumers.delete(consumerId);
  }

  closeConsumersOf(producerId: string): string[] {
    const closed: string[] = [];
    for (const [id, c] of this.consumers) {
      if (c.producerId !== producerId) continue;
      c.close();
      this.consumers.delete(id);
      closed.push(id);
    }
    return closed;
  }

  /**
   * After our link came back (or the network changed): an ICE restart for each transport that is not connected.
   * A transport that recovered by itself (a short cut: ICE consent resumes) is left alone.
   */
  async recover(force = false): Promise<void> {
    for (const t of [this.sendTransport, this.recvTransport]) {
      if (t && !t.closed && (force || t.connectionState !== 'connected')) await this.restartIce(t);
    }
  }

  /**
   * Both transports' WebRTC stats now (the quality monitor reads them), each with the transport's connection
   * state as a `transport` entry: Chromium's own transport stats do not always say when ICE lost the server.
   */
  async stats(): Promise<ReadonlyMap<string, unknown>[]> {
    const live = [this.sendTransport, this.recvTransport].filter((t): t is types.Transport => !!t && !t.closed);
    return Promise.all(live.map(async (t) => {
      const report = new Map(await t.getStats() as ReadonlyMap<string, unknown>);
      report.set('hearth-transport-state', { type: 'transport', iceState: t.connectionState });
      return report;
    }));
  }

  private async restartIce(transport: types.Transport): Promise<void> {
    const { iceParameters } = await this.signaling.request('media.restartIce', { transportId: transport.id });
    await transport.restartIce({ iceParameters: iceParameters as unknown as types.IceParameters });
  }

  /**
   * The device's network changed (back online, or another connection type: Wi-Fi to mobile): new ICE credentials
   * for both transports at once, rather than waiting for ICE to notice the old path is gone.
   */
  private readonly onNetworkChange = (): void => void this.recover(true).catch(() => undefined);

  private watchNetwork(): void {
    globalThis.addEventListener?.('online', this.onNetworkChange);
    (navigator as { connection?: EventTarget }).connection?.addEventListener('change', this.onNetworkChange);
  }

  close(): void {
    globalThis.removeEventListener?.('online', this.onNetworkChange);
    (navigator as { connection?: EventTarget }).connection?.removeEventListener('change', this.onNetworkChange);
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.producers.clear();
    this.consumers.clear();
  }

  /** VP8: the frame format's clear bytes are defined for it (docs/e2ee.md). */
  private vp8(): types.RtpCodecCapability | undefined {
    return this.device.sendRtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
  }

  /** Loads the device with the router's codecs (once); then its receive capabilities can go to the server. */
  async loadDevice(routerRtpCapabilities: unknown): Promise<void> {
    if (!this.device.loaded) await this.device.load({ routerRtpCapabilities: routerRtpCapabilities as types.RtpCapabilities });
  }

  /** Before joining: the session's codecs, and the device loaded with them (a failure only skips the shortcut). */
  async loadForSession(sessionId: string): Promise<void> {
    try {
      const { routerRtpCapabilities } = await this.signaling.request('session.capabilities', { sessionId });
      await this.loadDevice(routerRtpCapabilities);
    } catch {
      // joined without capabilities: media is set up after admission
    }
  }

  /** Our receive capabilities, once the device is loaded. */
  get recvRtpCapabilities(): unknown {
    return this.device.loaded ? this.device.recvRtpCapabilities : undefined;
  }

  /**
   * From the waiting room: our receive capabilities, so the server can prepare our media when we are admitted. Only
   * a shortcut: if it fails, media is set up after admission as before.
   */
  async offerCapabilities(routerRtpCapabilities: unknown): Promise<void> {
    try {
      await this.loadDevice(routerRtpCapabilities);
      await this.signaling.request('media.setRtpCapabilities', { rtpCapabilities: this.device.recvRtpCapabilities as never });
    } catch {
      // nothing lost
    }
  }

  /**
   * The TURN servers of the latest room snapshot (fresh credentials on entering and after every resume): used by
   * transports made from now on, and given to the ones we have (for their next ICE restart).
   */
  useIceServers(servers: readonly IceServer[] | undefined): void {
    this.iceServers = (servers ?? []).map((s) => ({ urls: [...s.urls], username: s.username, credential: s.credential }));
    for (const t of [this.sendTransport, this.recvTransport]) {
      if (t && !t.closed) void t.updateIceServers({ iceServers: this.iceServers }).catch(() => undefined);
    }
  }

  /** The transports the server made at admission (see PreparedMedia): no round trip to start. */
  adopt(prepared: PreparedMedia): void {
    this.sendTransport = this.makeTransport('send', prepared.send);
    this.recvTransport = this.makeTransport('recv', prepared.recv);
    this.watchNetwork();
  }

  private async createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    return this.makeTransport(direction, await this.signaling.request('media.createTransport', { direction }));
  }

  private makeTransport(direction: 'send' | 'recv', params: PreparedMedia['send']): types.Transport {
    const options = { ...(params as unknown as types.TransportOptions), iceServers: this.iceServers };
    const transport =
      direction === 'send' ? this.device.createSendTransport(options) : this.device.createRecvTransport(options);
    // A failed transport (the network changed, or a long cut) gets new ICE credentials; while our signaling link is
    // down the request waits for it, and the room model's resume calls recover() again anyway.
    transport.on('connectionstatechange', (state) => {
      if (state === 'failed') void this.restartIce(transport).catch(() => undefined);
    });
    transport.on('connect', ({ dtlsParameters }, done, fail) => {
      this.signaling
        .request('media.connectTransport', { transportId: transport.id, dtlsParameters: dtlsParameters as never })
        .then(() => done(), fail);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, done, fail) => {
        this.signaling
          .request('media.produce', {
            transportId: transport.id, kind, source: appData.source as MediaSource, rtpParameters: rtpParameters as never,
          })
          .then(({ producerId }) => done({ id: producerId }), fail);
      });
    }
    return transport;
  }
}
