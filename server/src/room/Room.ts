import {
  ErrorCode, HearthError, isModerator, type EventOf, type MediaKind, type MediaSource, type PeerInfo, type ProducerInfo, type Role,
  type RosterMember, type RoomSnapshot, type ServerEventName,
} from '@hearth/shared';
import type { PeerOutbox, RoomMedia } from './ports.js';
import { SerialQueue } from './SerialQueue.js';

type Quality = RosterMember['quality'];

/** A member as the others see them, without producers (Session makes it: seq and certificate are its). */
export type PeerCard = Omit<PeerInfo, 'producers'>;

interface Member {
  card: PeerCard;
  id: string;
  role: Role;
  outbox: PeerOutbox;
  producers: Map<string, ProducerInfo>;
  /** Set by a facilitator: the member cannot unmute / restart the camera until allowed. */
  micLocked: boolean;
  cameraLocked: boolean;
  quality: Quality;
}

/** mediasoup's 0–10 score of what we receive from a member, bucketed for the facilitator panel. */
export function qualityOf(score: number): Quality {
  return score >= 8 ? 'good' : score >= 5 ? 'fair' : 'poor';
}

/**
 * The circle: admitted members and what they send, with the facilitator locks enforced on their media.
 * Callers wrap every command in `run()` so commands on one room never interleave. Knows nothing of
 * socket.io or mediasoup; `onChange` tells the session to refresh the facilitator panel.
 */
export class Room {
  private readonly members = new Map<string, Member>();
  private readonly queue = new SerialQueue();
  private closedFlag = false;
  onChange: () => void = () => undefined;

  constructor(readonly media: RoomMedia) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  get size(): number {
    return this.members.size;
  }

  run<T>(task: () => Promise<T> | T): Promise<T> {
    return this.queue.push(task);
  }

  has(peerId: string): boolean {
    return this.members.has(peerId);
  }

  join(card: PeerCard, outbox: PeerOutbox): Pick<RoomSnapshot, 'routerRtpCapabilities' | 'peers' | 'self'> {
    const peers = [...this.members.values()].map((m) => this.info(m));
    const member: Member = {
      card: { ...card }, id: card.id, role: card.role, outbox, producers: new Map(), micLocked: false, cameraLocked: false, quality: 'unknown',
    };
    this.members.set(card.id, member);
    this.media.addPeer(card.id);
    const self = this.info(member);
    this.broadcast(card.id, 'peer.joined', self);
    this.onChange();
    return { routerRtpCapabilities: this.media.routerRtpCapabilities as Record<string, unknown>, peers, self };
  }

  /** Out of the circle; the others learn it, with the facilitator's signed revocation of its key if there is one. */
  leave(peerId: string, revocation?: string): void {
    if (!this.members.delete(peerId)) return;
    this.media.removePeer(peerId);
    this.broadcast(peerId, 'peer.left', revocation ? { peerId, revocation } : { peerId });
    this.onChange();
  }

  /**
   * TEST HOOK ONLY (a malicious server): tell everyone else that `peerId` left, but keep its media flowing and
   * its socket open, so tests can show that end-to-end encryption alone locks a removed member out. `unannounced`:
   * tell nobody, and send a `peer.left` for someone who does not exist instead (forged ordering).
   */
  leaveButKeepForwarding(peerId: string, revocation?: string, unannounced = false): void {
    const m = this.members.get(peerId);
    if (!m) return;
    this.members.delete(peerId);
    if (unannounced) this.broadcast(peerId, 'peer.left', { peerId: 'nobody-who-was-here' });
    else this.broadcast(peerId, 'peer.left', revocation ? { peerId, revocation } : { peerId });
    this.members.set(peerId, m);
  }

  /** Sends to one admitted member; false if they are not in the circle. */
  sendTo<K extends ServerEventName>(peerId: string, event: K, payload: EventOf<K>): boolean {
    const m = this.members.get(peerId);
    m?.outbox.send(event, payload);
    return !!m;
  }

  async produce(peerId: string, transportId: string, kind: MediaKind, source: MediaSource, rtp: unknown): Promise<string> {
    const m = this.member(peerId);
    if (source === 'camera' && m.cameraLocked) throw new HearthError(ErrorCode.LOCKED_BY_FACILITATOR);
    // A muted member may set up a microphone, but it starts (and stays) paused at the server.
    const paused = source === 'mic' && m.micLocked;
    const producerId = await this.media.produce(peerId, transportId, kind, source, rtp, paused);
    const info: ProducerInfo = { id: producerId, peerId, kind, source, paused };
    m.producers.set(producerId, info);
    this.broadcast(peerId, 'producer.added', info);
    this.onChange();
    return producerId;
  }

  closeProducer(peerId: string, producerId: string): void {
    this.media.closeProducer(peerId, producerId);
    this.member(peerId).producers.delete(producerId);
    this.broadcast(peerId, 'producer.closed', { producerId, peerId });
    this.onChange();
  }

  /** The member's own mute/unmute. Unmuting what a facilitator locked is refused. */
  async setProducerPaused(peerId: string, producerId: string, paused: boolean): Promise<void> {
    const m = this.member(peerId);
    const info = m.producers.get(producerId);
    if (info && !paused && this.locked(m, info.source)) throw new HearthError(ErrorCode.LOCKED_BY_FACILITATOR);
    await this.pause(m, producerId, paused);
  }

  /** Facilitator mute: pause the microphone at the server and lock it. */
  async mute(peerId: string): Promise<void> {
    const m = this.member(peerId);
    m.micLocked = true;
    for (const p of m.producers.values()) if (p.source === 'mic') await this.pause(m, p.id, true);
    this.tellSelf(m, false);
  }

  /** Lift the mute lock and invite the member to unmute (they decide). */
  askUnmute(peerId: string): void {
    const m = this.member(peerId);
    m.micLocked = false;
    this.tellSelf(m, true);
  }

  /** Facilitator camera stop: close the camera producer at the server and lock it. */
  stopCamera(peerId: string): void {
    const m = this.member(peerId);
    m.cameraLocked = true;
    for (const p of [...m.producers.values()]) if (p.source === 'camera') this.closeProducer(peerId, p.id);
    this.tellSelf(m, false);
  }

  allowCamera(peerId: string): void {
    const m = this.member(peerId);
    m.cameraLocked = false;
    this.tellSelf(m, false);
  }

  /** Floor control: who may be heard besides the facilitators, who always may. */
  async setSpeakers(speakers: 'all' | readonly string[]): Promise<void> {
    if (speakers === 'all') return this.media.setAudible('all');
    const audible = new Set(speakers);
    for (const m of this.members.values()) if (isModerator(m.role)) audible.add(m.id);
    await this.media.setAudible(audible);
  }

  /** Sends to every admitted member. */
  sendAll<K extends ServerEventName>(event: K, payload: EventOf<K>): void {
    for (const m of this.members.values()) m.outbox.send(event, payload);
  }

  /** mediasoup's score for a member's producer changed; the panel hears of it only when the bucket changes. */
  updateQuality(peerId: string, score: number): void {
    const m = this.members.get(peerId);
    if (!m || m.quality === qualityOf(score)) return;
    m.quality = qualityOf(score);
    this.onChange();
  }

  /** A consumer the media module closed on its own (its producer went away). */
  notifyConsumerClosed(peerId: string, consumerId: string): void {
    this.members.get(peerId)?.outbox.send('consumer.closed', { consumerId });
  }

  roster(): RosterMember[] {
    return [...this.members.values()].map((m) => ({
      id: m.id, displayName: m.card.displayName, role: m.role, mic: this.trackState(m, 'mic'), camera: this.trackState(m, 'camera'),
      micLocked: m.micLocked, cameraLocked: m.cameraLocked, quality: m.quality,
    }));
  }

  /** Ends the room's media; members must already have been told. Idempotent. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.members.clear();
    this.media.close();
  }

  private async pause(m: Member, producerId: string, paused: boolean): Promise<void> {
    const info = m.producers.get(producerId);
    if (!info) throw new HearthError(ErrorCode.NOT_FOUND, 'no such producer');
    await this.media.setProducerPaused(m.id, producerId, paused);
    if (info.paused === paused) return;
    info.paused = paused;
    this.broadcast(m.id, 'producer.paused', { producerId, peerId: m.id, paused });
    this.onChange();
  }

  private locked(m: Member, source: MediaSource): boolean {
    return source === 'mic' ? m.micLocked : m.cameraLocked;
  }

  private tellSelf(m: Member, askedToUnmute: boolean): void {
    m.outbox.send('self.updated', { micLocked: m.micLocked, cameraLocked: m.cameraLocked, askedToUnmute });
    this.onChange();
  }

  private trackState(m: Member, source: MediaSource): 'on' | 'off' | 'none' {
    const p = [...m.producers.values()].find((x) => x.source === source);
    return !p ? 'none' : p.paused ? 'off' : 'on';
  }

  private member(peerId: string): Member {
    const m = this.members.get(peerId);
    if (!m) throw new HearthError(ErrorCode.NOT_FOUND, 'no such member');
    return m;
  }

  private info(m: Member): PeerInfo {
    return { ...m.card, producers: [...m.producers.values()].map((p) => ({ ...p })) };
  }

  private broadcast<K extends ServerEventName>(exceptId: string, event: K, payload: EventOf<K>): void {
    for (const m of this.members.values()) if (m.id !== exceptId) m.outbox.send(event, payload);
  }
}
