import { randomBytes } from 'node:crypto';
import { ErrorCode, HearthError, type PeerInfo, type ProducerInfo, type ServerEventName, type EventOf } from '@hearth/shared';
import type { MediaKind, MediaSource } from '@hearth/shared';
import type { PeerOutbox, RoomMedia } from './ports.js';
import { SerialQueue } from './SerialQueue.js';

interface Member {
  id: string;
  displayName: string;
  outbox: PeerOutbox;
  producers: Map<string, ProducerInfo>;
}

/**
 * The authority over one group: who is in it and what they send. Callers wrap every command in
 * `run()` so commands on one room never interleave. Knows nothing of socket.io or mediasoup.
 */
export class Room {
  private readonly members = new Map<string, Member>();
  private readonly queue = new SerialQueue();
  private closedFlag = false;

  constructor(
    readonly id: string,
    readonly media: RoomMedia,
    private readonly maxPeers: number,
  ) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  get size(): number {
    return this.members.size;
  }

  run<T>(task: () => Promise<T> | T): Promise<T> {
    return this.queue.push(task);
  }

  join(displayName: string, outbox: PeerOutbox): { selfId: string; peers: PeerInfo[] } {
    if (this.members.size >= this.maxPeers) throw new HearthError(ErrorCode.ROOM_FULL);
    const id = randomBytes(9).toString('base64url');
    const peers = [...this.members.values()].map((m) => this.info(m));
    const member: Member = { id, displayName, outbox, producers: new Map() };
    this.members.set(id, member);
    this.media.addPeer(id);
    this.broadcast(id, 'peer.joined', this.info(member));
    return { selfId: id, peers };
  }

  leave(peerId: string): void {
    const member = this.members.get(peerId);
    if (!member) return;
    this.members.delete(peerId);
    this.media.removePeer(peerId);
    this.broadcast(peerId, 'peer.left', { peerId });
  }

  has(peerId: string): boolean {
    return this.members.has(peerId);
  }

  async produce(peerId: string, transportId: string, kind: MediaKind, source: MediaSource, rtp: unknown): Promise<string> {
    const member = this.member(peerId);
    const producerId = await this.media.produce(peerId, transportId, kind, source, rtp);
    const info: ProducerInfo = { id: producerId, peerId, kind, source, paused: false };
    member.producers.set(producerId, info);
    this.broadcast(peerId, 'producer.added', info);
    return producerId;
  }

  closeProducer(peerId: string, producerId: string): void {
    this.media.closeProducer(peerId, producerId);
    this.member(peerId).producers.delete(producerId);
    this.broadcast(peerId, 'producer.closed', { producerId, peerId });
  }

  async setProducerPaused(peerId: string, producerId: string, paused: boolean): Promise<void> {
    await this.media.setProducerPaused(peerId, producerId, paused);
    const info = this.member(peerId).producers.get(producerId);
    if (!info || info.paused === paused) return;
    info.paused = paused;
    this.broadcast(peerId, 'producer.paused', { producerId, peerId, paused });
  }

  /** A consumer the media module closed on its own (its producer went away). */
  notifyConsumerClosed(peerId: string, consumerId: string): void {
    this.members.get(peerId)?.outbox.send('consumer.closed', { consumerId });
  }

  /** Ends the room: every member is told why and disconnected. Idempotent. */
  close(code: ErrorCode): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const m of this.members.values()) m.outbox.close(code);
    this.members.clear();
    this.media.close();
  }

  private member(peerId: string): Member {
    const m = this.members.get(peerId);
    if (!m) throw new HearthError(ErrorCode.INVALID_STATE, 'not in room');
    return m;
  }

  private info(m: Member): PeerInfo {
    return { id: m.id, displayName: m.displayName, producers: [...m.producers.values()].map((p) => ({ ...p })) };
  }

  private broadcast<K extends ServerEventName>(exceptId: string, event: K, payload: EventOf<K>): void {
    for (const m of this.members.values()) if (m.id !== exceptId) m.outbox.send(event, payload);
  }
}
