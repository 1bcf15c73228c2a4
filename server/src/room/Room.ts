import {
  ErrorCode, HearthError, type EventOf, type MediaKind, type MediaSource, type PeerInfo, type ProducerInfo, type RoomSnapshot,
  type RosterMember, type ServerEventName, type VideoMode, isModerator,
} from '@hearth/shared';
import type { Link, Quality, SessionMember } from './member.js';
import type { RoomMedia } from './ports.js';
import { inCircle, isApart, mediaSpace, openSide, type Whereabouts } from './spaces.js';

/** The circle as one member sees it (the media part of a RoomSnapshot; the Session adds keys and the resume token). */
export type CircleView = Pick<RoomSnapshot, 'routerRtpCapabilities' | 'peers' | 'self' | 'mediaGeneration'>;

/** A member as the others see them, without producers (the Session makes it: seq and certificate are its). */
export type PeerCard = Omit<PeerInfo, 'producers'>;

/** mediasoup's 0–10 score of what we receive from a member, bucketed for the facilitator panel. */
export function qualityOf(score: number): Quality {
  return score >= 8 ? 'good' : score >= 5 ? 'fair' : 'poor';
}

/**
 * The circle's media and broadcasts: which connections sit in the circle (in the order they were seated), what
 * they send, and the facilitator locks enforced on it. It keeps no member record of its own: the Session's record
 * (passed in) decides role and locks, and the links it holds are that record's. Knows nothing of socket.io or
 * mediasoup; `onChange` tells the session to refresh the facilitator panel. Runs inside the session's queue.
 */
export class Room {
  private readonly seated = new Map<string, { card: PeerCard; link: Link; away: boolean; where: Whereabouts }>();
  private closedFlag = false;
  /** How many times the media moved to a new router (see `rebuild`). */
  private generation = 0;
  onChange: () => void = () => undefined;

  constructor(private current: RoomMedia) {}

  get media(): RoomMedia {
    return this.current;
  }

  get mediaGeneration(): number {
    return this.generation;
  }

  /**
   * The media moved to a new router (the old one's worker died): every member in the circle is added to it with the
   * video mode, space and always-heard set the circle had; what they sent is gone (the others are not told track by
   * track: every member sets its media up again on `media.restart`, and the new tracks arrive as `producer.added`).
   * The caller sets the floor's audible set again, then calls `announceRestart`.
   */
  async rebuild(media: RoomMedia): Promise<void> {
    const old = this.current;
    this.current = media;
    this.generation++;
    old.close();
    for (const [id, s] of this.seated) {
      media.addPeer(id);
      s.link.producers.clear();
      if (s.link.videoMode !== 'full') await media.setVideoMode(id, s.link.videoMode);
      if (mediaSpace(s.where) !== 'circle') await media.setSpace(id, mediaSpace(s.where));
    }
    media.setAlwaysHeard(this.moderators());
    this.onChange();
  }

  /** Tells everyone in the circle to set their media up again on the new router (after `rebuild`). */
  announceRestart(): void {
    this.sendAll('media.restart', { routerRtpCapabilities: this.current.routerRtpCapabilities as Record<string, unknown>, generation: this.generation });
  }

  /** Seats a member: the others learn it; the snapshot lists who was there before. */
  join(card: PeerCard, link: Link): CircleView {
    const peers = [...this.seated.values()].map((s) => info(s.card, s.link, s.away, isApart(s.where)));
    this.seated.set(card.id, { card: { ...card }, link, away: false, where: inCircle() });
    this.media.addPeer(card.id);
    this.media.setAlwaysHeard(this.moderators());
    const self = info(card, link, false, false);
    this.broadcast(card.id, 'peer.joined', self);
    this.onChange();
    return this.circleView(peers, self);
  }

  /** Out of the circle; the others learn it, with the facilitator's signed revocation of its key if there is one. */
  leave(peerId: string, revocation?: string): void {
    const partner = this.sidePartner(peerId);
    if (!this.seated.delete(peerId)) return;
    if (partner) void this.closeSide(partner).catch(() => undefined); // the other one is back in the circle
    this.media.removePeer(peerId);
    this.media.setAlwaysHeard(this.moderators());
    this.broadcast(peerId, 'peer.left', revocation ? { peerId, revocation } : { peerId });
    this.onChange();
  }

  /**
   * A seated member's link dropped (away) or came back on a new connection: their media stays where it is, the
   * others are told (a calm "reconnecting" on their tile), and what we send goes to the new connection.
   */
  presence(peerId: string, link: Link, away: boolean): void {
    const s = this.seated.get(peerId);
    if (!s) return;
    s.link = link;
    s.away = away;
    this.broadcast(peerId, 'peer.away', { peerId, away });
    this.onChange();
  }

  /** The circle as one member sees it on coming back: everyone else, with what they send and who is away. */
  view(peerId: string): CircleView | undefined {
    const me = this.seated.get(peerId);
    if (!me) return undefined;
    const peers = [...this.seated].filter(([id]) => id !== peerId).map(([, s]) => info(s.card, s.link, s.away, isApart(s.where)));
    return this.circleView(peers, info(me.card, me.link, false, false));
  }

  // ── spaces: the circle, a side room, not private right now ──

  /** "Not private right now" (or private again): media to and from the member stops (or resumes) at the server. */
  async setNotPrivate(peerId: string, notPrivate: boolean): Promise<void> {
    const s = this.whereabouts(peerId);
    if (s.where.notPrivate === notPrivate) return;
    s.where.notPrivate = notPrivate;
    await this.applySpace(peerId);
  }

  /** Two members step out into a side room: they hear and see only each other, and the circle neither of them. */
  async openSide(a: string, b: string, room: string): Promise<void> {
    openSide(this.whereabouts(a).where, a, this.whereabouts(b).where, b, room);
    await this.applySpace(a);
    await this.applySpace(b);
    this.sendTo(a, 'side.state', { room, with: b });
    this.sendTo(b, 'side.state', { room, with: a });
  }

  /** Both of a side room are back in the circle (either may end it; a leave ends it too). */
  async closeSide(peerId: string): Promise<void> {
    const side = this.whereabouts(peerId).where.side;
    if (!side) throw new HearthError(ErrorCode.INVALID_STATE, 'not in a side room');
    for (const id of [peerId, side.with]) {
      const s = this.seated.get(id);
      if (!s?.where.side) continue;
      delete s.where.side;
      await this.applySpace(id);
      this.sendTo(id, 'side.state', {});
    }
  }

  /** The side room partner of a member, if any. */
  sidePartner(peerId: string): string | undefined {
    return this.seated.get(peerId)?.where.side?.with;
  }

  private whereabouts(peerId: string): { where: Whereabouts } {
    const s = this.seated.get(peerId);
    if (!s) throw new HearthError(ErrorCode.NOT_FOUND, 'no such member');
    return s;
  }

  private async applySpace(peerId: string): Promise<void> {
    const s = this.whereabouts(peerId);
    await this.media.setSpace(peerId, mediaSpace(s.where));
    this.broadcast(peerId, 'peer.space', { peerId, apart: isApart(s.where) });
    this.onChange();
  }

  /** Sends to one member in the circle; false if they are not in it. */
  sendTo<K extends ServerEventName>(peerId: string, event: K, payload: EventOf<K>): boolean {
    const s = this.seated.get(peerId);
    s?.link.outbox.send(event, payload);
    return !!s;
  }

  /** Sends to everyone in the circle. */
  sendAll<K extends ServerEventName>(event: K, payload: EventOf<K>): void {
    for (const s of this.seated.values()) s.link.outbox.send(event, payload);
  }

  async produce(m: SessionMember, transportId: string, kind: MediaKind, source: MediaSource, rtp: unknown): Promise<string> {
    if (source === 'camera' && m.cameraLocked) throw new HearthError(ErrorCode.LOCKED_BY_FACILITATOR);
    if (source === 'camera' && m.link.videoMode === 'off') throw new HearthError(ErrorCode.AUDIO_ONLY);
    // A muted member may set up a microphone, but it starts (and stays) paused at the server.
    const paused = source === 'mic' && m.micLocked;
    const producerId = await this.media.produce(m.id, transportId, kind, source, rtp, paused);
    const p: ProducerInfo = { id: producerId, peerId: m.id, kind, source, paused };
    m.link.producers.set(producerId, p);
    this.broadcast(m.id, 'producer.added', p);
    this.onChange();
    return producerId;
  }

  closeProducer(m: SessionMember, producerId: string): void {
    this.media.closeProducer(m.id, producerId);
    m.link.producers.delete(producerId);
    this.broadcast(m.id, 'producer.closed', { producerId, peerId: m.id });
    this.onChange();
  }

  /** The member's own mute/unmute. Unmuting what a facilitator locked is refused. */
  async setProducerPaused(m: SessionMember, producerId: string, paused: boolean): Promise<void> {
    const p = m.link.producers.get(producerId);
    if (p && !paused && (p.source === 'mic' ? m.micLocked : m.cameraLocked)) throw new HearthError(ErrorCode.LOCKED_BY_FACILITATOR);
    await this.pause(m, producerId, paused);
  }

  /** Facilitator mute: pause the microphone at the server (the lock is the member record's). */
  async pauseMic(m: SessionMember): Promise<void> {
    for (const p of m.link.producers.values()) if (p.source === 'mic') await this.pause(m, p.id, true);
  }

  /** Facilitator camera stop: close the camera producer at the server. */
  closeCamera(m: SessionMember): void {
    for (const p of [...m.link.producers.values()]) if (p.source === 'camera') this.closeProducer(m, p.id);
  }

  /**
   * How much video a member takes part in (kept on its link; the media port enforces it). Audio only also closes
   * the member's camera: no video is sent, whatever its client does.
   */
  async setVideoMode(m: SessionMember, mode: VideoMode): Promise<void> {
    m.link.videoMode = mode;
    if (mode === 'off') this.closeCamera(m);
    await this.media.setVideoMode(m.id, mode);
    this.onChange();
  }

  /** Floor control: forward audio from these members only (facilitators included by the caller), or from all. */
  async setAudible(audible: 'all' | ReadonlySet<string>): Promise<void> {
    await this.media.setAudible(audible);
  }

  /** mediasoup's score for a member's producer changed; the panel hears of it only when the bucket changes. */
  updateQuality(peerId: string, score: number): void {
    const s = this.seated.get(peerId);
    if (!s || s.link.quality === qualityOf(score)) return;
    s.link.quality = qualityOf(score);
    this.onChange();
  }

  /** A consumer the media module closed on its own (its producer went away). */
  notifyConsumerClosed(peerId: string, consumerId: string): void {
    this.seated.get(peerId)?.link.outbox.send('consumer.closed', { consumerId });
  }

  /** The panel's lines, in seating order; locks are the member record's (`find`). */
  roster(find: (id: string) => SessionMember | undefined): RosterMember[] {
    return [...this.seated].map(([id, { card, link, away, where }]) => {
      const m = find(id);
      return {
        id, displayName: card.displayName, role: card.role, mic: trackState(link, 'mic'), camera: trackState(link, 'camera'),
        micLocked: m?.micLocked ?? false, cameraLocked: m?.cameraLocked ?? false, quality: link.quality, away, ...(link.report ? { link: link.report } : {}),
        video: link.videoMode, notPrivate: where.notPrivate, ...(where.side ? { side: where.side.with } : {}),
        ...(link.check ? { check: link.check } : {}),
      };
    });
  }

  /** Ends the room's media; members must already have been told. Idempotent. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.seated.clear();
    this.media.close();
  }

  private circleView(peers: PeerInfo[], self: PeerInfo): CircleView {
    return { routerRtpCapabilities: this.media.routerRtpCapabilities as Record<string, unknown>, peers, self, mediaGeneration: this.generation };
  }

  /** Who an audio-only member always hears, whoever speaks: the moderators in the circle. */
  private moderators(): Set<string> {
    return new Set([...this.seated].filter(([, s]) => isModerator(s.card.role)).map(([id]) => id));
  }

  private async pause(m: SessionMember, producerId: string, paused: boolean): Promise<void> {
    const p = m.link.producers.get(producerId);
    if (!p) throw new HearthError(ErrorCode.NOT_FOUND, 'no such producer');
    await this.media.setProducerPaused(m.id, producerId, paused);
    if (p.paused === paused) return;
    p.paused = paused;
    this.broadcast(m.id, 'producer.paused', { producerId, peerId: m.id, paused });
    this.onChange();
  }

  private broadcast<K extends ServerEventName>(exceptId: string, event: K, payload: EventOf<K>): void {
    for (const [id, s] of this.seated) if (id !== exceptId) s.link.outbox.send(event, payload);
  }
}

function info(card: PeerCard, link: Link, away: boolean, apart: boolean): PeerInfo {
  return { ...card, producers: [...link.producers.values()].map((p) => ({ ...p })), ...(away ? { away } : {}), ...(apart ? { apart } : {}) };
}

function trackState(link: Link, source: MediaSource): 'on' | 'off' | 'none' {
  const p = [...link.producers.values()].find((x) => x.source === source);
  return !p ? 'none' : p.paused ? 'off' : 'on';
}
