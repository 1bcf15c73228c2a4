import type { MediaSource, PeerInfo, ProducerInfo, Role } from '@hearth/shared';
import type { ConsumeAnswer, MediaSession, RemoteTrack } from '../media/MediaSession.js';
import type { SignalingClient } from '../connection/SignalingClient.js';
import type { KeyManager } from '../e2ee/KeyManager.js';
import { t } from '../i18n/index.svelte.js';

/** One other member as the room view shows them. */
export interface PeerView {
  id: string;
  displayName: string;
  role: Role;
  audio: MediaStreamTrack | undefined;
  video: MediaStreamTrack | undefined;
  micMuted: boolean;
  /** Their link dropped: the seat is kept for them, and they come back on their own (shown as "reconnecting"). */
  away: boolean;
  /** Stepped away from the circle (not private right now, or a side room): nothing passes either way. */
  apart: boolean;
  /** Producer ids by source, to map pause/close events. */
  producers: Partial<Record<MediaSource, string>>;
}

/** What the circle's tracks need from the room: its media session (once started), the video mode, the announcer. */
export interface PeerTrackPorts {
  media(): MediaSession | undefined;
  /** Resolves once the media session has started (consumers wait for it). */
  started(): Promise<void>;
  audioOnly(): boolean;
  announce(text: string): void;
}

/**
 * The other members of the circle as the room view shows them, and the consumers behind their tiles: who is there
 * (and away), what each sends, which track plays on which tile. The room model feeds it signaling events.
 */
export class PeerTracks {
  peers = $state<PeerView[]>([]);
  private readonly consumerOwners = new Map<string, { peerId: string; source: MediaSource; track: MediaStreamTrack }>();
  /** Consumers the server made at admission, by producer id: received without asking again. */
  private readonly prepared = new Map<string, ConsumeAnswer>();

  constructor(private readonly ports: PeerTrackPorts) {}

  /** Follows the signaling events that change the circle and its tracks (the keys hear of arrivals and departures). */
  follow(signaling: SignalingClient, keys: () => KeyManager | undefined): void {
    signaling.on('peer.joined', (p) => {
      this.add(p, true);
      void keys()?.joined(p);
    });
    signaling.on('peer.left', (e) => {
      this.remove(e.peerId);
      void keys()?.left(e);
    });
    signaling.on('peer.away', (e) => {
      this.setAway(e.peerId, e.away);
      void keys()?.presence(e);
    });
    signaling.on('producer.added', (p) => void this.consume(p));
    signaling.on('producer.closed', ({ producerId, peerId }) => this.dropProducer(peerId, producerId));
    signaling.on('producer.paused', ({ producerId, peerId, paused }) => this.setMicPaused(peerId, producerId, paused));
    signaling.on('consumer.closed', ({ consumerId }) => this.dropConsumer(consumerId));
  }

  peer(id: string): PeerView | undefined {
    return this.peers.find((p) => p.id === id);
  }

  /** Someone's link dropped or came back. */
  setAway(peerId: string, away: boolean): void {
    const peer = this.peer(peerId);
    if (!peer) return;
    peer.away = away;
    this.ports.announce(t(away ? 'peers.away' : 'peers.back', { name: peer.displayName }));
  }

  /** Someone stepped away from the circle or came back to it (the server says no more: not where, nor why). */
  setApart(peerId: string, apart: boolean): void {
    const peer = this.peer(peerId);
    if (peer) peer.apart = apart;
  }

  setMicPaused(peerId: string, producerId: string, paused: boolean): void {
    const peer = this.peer(peerId);
    if (peer && peer.producers.mic === producerId) peer.micMuted = paused;
  }

  /** Back after our own link dropped: who is there now, and what they send (a snapshot from the server). */
  sync(peers: readonly PeerInfo[]): void {
    const present = new Set(peers.map((p) => p.id));
    for (const p of [...this.peers]) if (!present.has(p.id)) this.remove(p.id);
    for (const p of peers) this.catchUp(p);
  }

  /** The session's media moved to a new router: every consumer is gone; the members stay, and their tracks come again. */
  resetMedia(): void {
    for (const p of this.peers) {
      p.audio = undefined;
      p.video = undefined;
      p.producers = {};
    }
    this.consumerOwners.clear();
    this.prepared.clear();
  }

  clear(): void {
    this.peers = [];
    this.consumerOwners.clear();
    this.prepared.clear();
  }

  /** The microphone consumers the server made when it admitted us (PreparedMedia). */
  usePrepared(consumers: readonly ConsumeAnswer[]): void {
    for (const c of consumers) this.prepared.set(c.producerId, c);
  }

  add(p: PeerInfo, announce: boolean): void {
    if (this.peer(p.id)) return;
    this.peers.push({
      id: p.id, displayName: p.displayName, role: p.role, audio: undefined, video: undefined, micMuted: false, away: p.away === true, apart: p.apart === true, producers: {},
    });
    for (const producer of p.producers) void this.consume(producer);
    if (announce) this.ports.announce(t('peers.joined', { name: p.displayName }));
  }

  remove(peerId: string): void {
    const peer = this.peer(peerId);
    if (!peer) return;
    for (const producerId of Object.values(peer.producers)) if (producerId) this.ports.media()?.closeConsumersOf(producerId);
    this.peers = this.peers.filter((p) => p.id !== peerId);
    this.ports.announce(t('peers.left', { name: peer.displayName }));
  }

  async consume(info: ProducerInfo): Promise<void> {
    const peer = this.peer(info.peerId);
    if (!peer) return;
    peer.producers[info.source] = info.id;
    if (info.source === 'mic') peer.micMuted = info.paused;
    if (info.source === 'camera' && this.ports.audioOnly()) return; // known, so it is received when video comes back
    try {
      await this.ports.started();
      const media = this.ports.media();
      const made = this.prepared.get(info.id);
      this.prepared.delete(info.id);
      if (media) this.attach(await (made ? media.receive(made) : media.consume(info)));
    } catch {
      // The producer or its member went away meanwhile; the matching event cleans up.
    }
  }

  /** Every camera in the circle, received again (video back after audio only). */
  async receiveCameras(): Promise<void> {
    const cameras = this.peers.flatMap((p) => (p.producers.camera ? [{ id: p.producers.camera, peerId: p.id }] : []));
    await Promise.all(cameras.map((c) => this.consume({ ...c, kind: 'video', source: 'camera', paused: false })));
  }

  private attach(remote: RemoteTrack): void {
    const peer = this.peer(remote.peerId);
    if (!peer || peer.producers[remote.source] !== remote.producerId) {
      this.ports.media()?.closeConsumer(remote.consumerId);
      return;
    }
    this.consumerOwners.set(remote.consumerId, { peerId: remote.peerId, source: remote.source, track: remote.track });
    if (remote.source === 'mic') peer.audio = remote.track;
    else peer.video = remote.track;
  }

  dropProducer(peerId: string, producerId: string): void {
    for (const consumerId of this.ports.media()?.closeConsumersOf(producerId) ?? []) this.dropConsumer(consumerId);
    const peer = this.peer(peerId);
    if (!peer) return;
    for (const source of ['mic', 'camera'] as const) if (peer.producers[source] === producerId) delete peer.producers[source];
  }

  dropConsumer(consumerId: string): void {
    this.ports.media()?.closeConsumer(consumerId);
    const owner = this.consumerOwners.get(consumerId);
    this.consumerOwners.delete(consumerId);
    const peer = owner && this.peer(owner.peerId);
    if (!peer || !owner) return;
    // Only if no newer track (camera turned off and on again) has replaced it meanwhile.
    if (owner.source === 'mic' && peer.audio === owner.track) peer.audio = undefined;
    if (owner.source === 'camera' && peer.video === owner.track) peer.video = undefined;
  }

  private catchUp(p: PeerInfo): void {
    const known = this.peer(p.id);
    if (!known) return this.add(p, true);
    known.away = p.away === true;
    known.apart = p.apart === true;
    for (const source of ['mic', 'camera'] as const) {
      const now = p.producers.find((x) => x.source === source);
      const had = known.producers[source];
      if (had && had !== now?.id) this.dropProducer(p.id, had);
      if (now && now.id !== had) void this.consume(now);
      else if (now && source === 'mic') known.micMuted = now.paused;
    }
  }

}
