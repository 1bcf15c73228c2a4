import type { MediaSource, PeerInfo, ProducerInfo } from '@hearth/shared';
import { SignalingClient, type ConnectionState } from '../connection/SignalingClient.js';
import { MediaSession, type RemoteTrack } from '../media/MediaSession.js';
import { messageFor } from './messages.js';

/** One other member as the room view shows them. */
export interface PeerView {
  id: string;
  displayName: string;
  audio: MediaStreamTrack | undefined;
  video: MediaStreamTrack | undefined;
  micMuted: boolean;
  /** Producer ids by source, to map pause/close events. */
  producers: Partial<Record<MediaSource, string>>;
}

export interface JoinRequest {
  roomId: string;
  displayName: string;
  audio: MediaStreamTrack | undefined;
  video: MediaStreamTrack | undefined;
  micOn: boolean;
  cameraOn: boolean;
}

export type RoomPhase = 'joining' | 'joined' | 'left' | 'failed';

/** The room for the view: read its state, call its commands. Owns signaling and media for one visit. */
export class RoomModel {
  phase = $state<RoomPhase>('joining');
  error = $state<string | undefined>();
  peers = $state<PeerView[]>([]);
  micOn = $state(false);
  cameraOn = $state(false);
  localVideo = $state<MediaStreamTrack | undefined>();
  selfName = $state('');
  /** Short announcement for screen readers (aria-live). */
  announcement = $state('');

  private readonly signaling: SignalingClient;
  private readonly media: MediaSession;
  private readonly consumerOwners = new Map<string, { peerId: string; source: MediaSource; track: MediaStreamTrack }>();
  private localAudio: MediaStreamTrack | undefined;
  private started: Promise<void> = Promise.resolve();

  constructor() {
    this.signaling = new SignalingClient((state, reason) => this.onConnection(state, reason));
    this.media = new MediaSession(this.signaling);
    this.signaling.on('peer.joined', (p) => this.addPeer(p, true));
    this.signaling.on('peer.left', ({ peerId }) => this.removePeer(peerId));
    this.signaling.on('producer.added', (p) => void this.consume(p));
    this.signaling.on('producer.closed', ({ producerId, peerId }) => this.dropProducer(peerId, producerId));
    this.signaling.on('producer.paused', ({ producerId, peerId, paused }) => {
      const peer = this.peer(peerId);
      if (peer && peer.producers.mic === producerId) peer.micMuted = paused;
    });
    this.signaling.on('consumer.closed', ({ consumerId }) => this.dropConsumer(consumerId));
    this.signaling.on('session.closing', ({ code }) => this.fail(messageFor({ code })));
  }

  async join(req: JoinRequest): Promise<void> {
    this.selfName = req.displayName;
    try {
      const res = await this.signaling.request('room.join', { roomId: req.roomId, displayName: req.displayName });
      // Set before adding the snapshot's peers: their producers are consumed once media has started.
      this.started = this.media.start(res.routerRtpCapabilities);
      for (const p of res.peers) this.addPeer(p, false);
      await this.started;
      this.localAudio = req.audio;
      if (req.audio) {
        await this.media.produce('mic', req.audio);
        if (!req.micOn) await this.media.setPaused('mic', true);
        this.micOn = req.micOn;
      }
      if (req.video && req.cameraOn) {
        await this.media.produce('camera', req.video);
        this.localVideo = req.video;
        this.cameraOn = true;
      } else req.video?.stop();
      this.phase = 'joined';
      this.announce('You joined the group.');
    } catch (error) {
      this.fail(messageFor(error));
    }
  }

  async toggleMic(): Promise<void> {
    if (!this.localAudio) return;
    const on = !this.micOn;
    await this.media.setPaused('mic', !on);
    this.micOn = on;
    this.announce(on ? 'Microphone on.' : 'Microphone muted.');
  }

  async toggleCamera(): Promise<void> {
    if (this.cameraOn) {
      // Close the producer and stop the track: the camera light goes off, nothing is sent.
      await this.media.closeProducer('camera');
      this.localVideo?.stop();
      this.localVideo = undefined;
      this.cameraOn = false;
      this.announce('Camera off.');
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } } });
      const track = stream.getVideoTracks()[0]!;
      await this.media.produce('camera', track);
      this.localVideo = track;
      this.cameraOn = true;
      this.announce('Camera on.');
    } catch (error) {
      this.announce(`Camera could not start. ${messageFor(error)}`);
    }
  }

  async leave(): Promise<void> {
    if (this.phase === 'left') return;
    this.phase = 'left';
    await this.signaling.request('room.leave', {}).catch(() => undefined);
    this.teardown();
  }

  private onConnection(state: ConnectionState, reason?: string): void {
    if (state === 'closed' && this.phase !== 'left' && this.phase !== 'failed') {
      this.fail(reason === 'PROTOCOL_VERSION_MISMATCH' ? messageFor({ code: reason }) : 'The connection was lost.');
    }
  }

  private fail(message: string): void {
    if (this.phase === 'left' || this.phase === 'failed') return;
    this.error = message;
    this.phase = 'failed';
    this.announce(message);
    this.teardown();
  }

  private teardown(): void {
    this.media.close();
    this.signaling.close();
    this.localAudio?.stop();
    this.localVideo?.stop();
    this.peers = [];
  }

  private addPeer(p: PeerInfo, announce: boolean): void {
    if (this.peer(p.id)) return;
    this.peers.push({ id: p.id, displayName: p.displayName, audio: undefined, video: undefined, micMuted: false, producers: {} });
    for (const producer of p.producers) void this.consume(producer);
    if (announce) this.announce(`${p.displayName} joined.`);
  }

  private removePeer(peerId: string): void {
    const peer = this.peer(peerId);
    if (!peer) return;
    for (const producerId of Object.values(peer.producers)) if (producerId) this.media.closeConsumersOf(producerId);
    this.peers = this.peers.filter((p) => p.id !== peerId);
    this.announce(`${peer.displayName} left.`);
  }

  private async consume(info: ProducerInfo): Promise<void> {
    const peer = this.peer(info.peerId);
    if (!peer) return;
    peer.producers[info.source] = info.id;
    if (info.source === 'mic') peer.micMuted = info.paused;
    try {
      await this.started;
      const remote = await this.media.consume(info);
      this.attach(remote);
    } catch {
      // The producer or its member went away meanwhile; the matching event cleans up.
    }
  }

  private attach(remote: RemoteTrack): void {
    const peer = this.peer(remote.peerId);
    if (!peer || peer.producers[remote.source] !== remote.producerId) {
      this.media.closeConsumer(remote.consumerId);
      return;
    }
    this.consumerOwners.set(remote.consumerId, { peerId: remote.peerId, source: remote.source, track: remote.track });
    if (remote.source === 'mic') peer.audio = remote.track;
    else peer.video = remote.track;
  }

  private dropProducer(peerId: string, producerId: string): void {
    for (const consumerId of this.media.closeConsumersOf(producerId)) this.dropConsumer(consumerId);
    const peer = this.peer(peerId);
    if (!peer) return;
    for (const source of ['mic', 'camera'] as const) if (peer.producers[source] === producerId) delete peer.producers[source];
  }

  private dropConsumer(consumerId: string): void {
    this.media.closeConsumer(consumerId);
    const owner = this.consumerOwners.get(consumerId);
    this.consumerOwners.delete(consumerId);
    const peer = owner && this.peer(owner.peerId);
    if (!peer || !owner) return;
    // Only if no newer track (camera turned off and on again) has replaced it meanwhile.
    if (owner.source === 'mic' && peer.audio === owner.track) peer.audio = undefined;
    if (owner.source === 'camera' && peer.video === owner.track) peer.video = undefined;
  }

  private peer(id: string): PeerView | undefined {
    return this.peers.find((p) => p.id === id);
  }

  private announce(text: string): void {
    this.announcement = text;
  }
}
