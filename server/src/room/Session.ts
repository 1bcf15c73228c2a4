import {
  findMember, holdsSeat, type InviteGrant,
  ErrorCode, HearthError, ROLES_BY_KIND, mayActOn, mayInvite, type ClientRequestName, type E2eeKey, type MembershipEffect, type RequestOf,
  type ResponseOf, type Role, type RoomSnapshot, type PrivacyCheck,
} from '@hearth/shared';
import { memberIdFor } from '@hearth/shared/crypto';
import type { InviteClaims, TokenService } from '../auth/TokenService.js';
import { newLink, type Link } from './member.js';
import type { PeerOutbox } from './ports.js';
import { SessionSpaces } from './SessionSpaces.js';

export type { SessionLimits } from './SessionCore.js';

export interface Arrival {
  claims: InviteClaims;
  displayName: string;
  deviceId: string;
  e2eeKey: E2eeKey;
  /** A moderator's own certificate, signed in its browser (kept only if it verifies). */
  certificate?: string;
  outbox: PeerOutbox;
  /** The device's receive capabilities, if it gave them: its media is prepared when it is seated. */
  rtpCapabilities?: Record<string, unknown> | undefined;
  /** The private-space check the member went through before joining (absent: not done). */
  check?: PrivacyCheck | undefined;
}

export interface ArrivalResult {
  selfId: string;
  role: Role;
  admitted: boolean;
  room?: RoomSnapshot;
}

/** What a session needs to make invites (the token service). */
export type InviteIssuer = Pick<TokenService, 'issueInvite'>;
/** An invite as the HTTP API hands it out. */
export type IssuedInvite = InviteGrant;

type Req<K extends ClientRequestName> = RequestOf<K>;
type Res<K extends ClientRequestName> = Promise<ResponseOf<K>>;

const done = {};
/** A facilitator's note to someone they deny or remove: trimmed, and none if empty. */
const noteOf = (message?: string) => message?.trim() || undefined;

/**
 * One group session, the one aggregate: who is in it and where they stand (the membership machine), the circle's
 * media, the turn floor, keys, invites and audit. Each verb is one request of one member (`actorId`, from the
 * connection, never the payload), runs inside the session's queue, and holds the rules of who may act on whom
 * (with the machine and the permissions table). Handlers only call these.
 */
export class Session extends SessionSpaces {
  private readonly lastReaction = new Map<string, number>();

  // ── arrivals and departures ──

  async arrive(a: Arrival): Promise<ArrivalResult> {
    const role = a.claims.role;
    const id = memberIdFor(this.id, a.deviceId);
    const key = a.e2eeKey;
    const certificate = this.signed.verified(id, role, key, a.certificate)
      ?? this.signed.verified(id, role, key, this.signed.remembered(a.deviceId, key.publicKey));
    const effects = this.step({
      type: 'arrive', now: Date.now(), id, role, deviceId: a.deviceId, publicKey: key.publicKey, inviteId: a.claims.inviteId,
      link: { ...newLink(a.displayName, key, a.outbox, certificate), ...(a.rtpCapabilities ? { rtpCapabilities: a.rtpCapabilities } : {}), ...(a.check ? { check: a.check } : {}) },
      signed: !!certificate,
      inviteRefused: this.invites.refusal(a.claims.inviteId, a.claims.maxUses, a.deviceId),
    });
    const room = (await this.perform(effects)).get(id);
    return { selfId: id, role, admitted: !!room, ...(room ? { room } : {}) };
  }

  /** A connection goes: only if it is still the one holding that seat (a replaced one's late goodbye is not). */
  async depart(id: string, outbox: PeerOutbox, keepInvite = false): Promise<void> {
    if (this.find(id)?.link.outbox !== outbox) return;
    await this.perform(this.step({ type: 'leave', id, now: Date.now(), keepInvite }));
  }

  /** A connection dropped without a goodbye: a seated member is away (seat kept for the grace), a waiting one goes. */
  async drop(id: string, outbox: PeerOutbox): Promise<void> {
    if (this.find(id)?.link.outbox !== outbox) return;
    await this.perform(this.step({ type: 'drop', id, now: Date.now(), graceMs: this.graceMs }));
  }

  /**
   * Back on a new connection with the resume token: the same seat, role, floor place and keys; the member's media
   * objects waited on the server, so its transports carry on (with an ICE restart if they failed). The token is
   * replaced: each one works once.
   */
  async resume(token: string, outbox: PeerOutbox): Promise<ArrivalResult & { room: RoomSnapshot }> {
    const m = this.holderOf(token);
    if (!m) throw new HearthError(ErrorCode.RESUME_EXPIRED);
    const { resumeToken: _used, ...kept } = m.link;
    await this.perform(this.step({ type: 'resume', id: m.id, now: Date.now(), link: { ...kept, outbox } }));
    const back = this.seated(m.id);
    const view = this.room.view(m.id);
    if (!view) throw new HearthError(ErrorCode.RESUME_EXPIRED);
    outbox.send('turn.state', this.floor.view());
    this.room.media.refreshKeyFrames(back.id);
    return { selfId: back.id, role: back.role, admitted: true, room: this.snapshotFor(back, view) };
  }

  /** Ends the session for everyone (a facilitator, or the registry: idle, worker lost, shutdown). Idempotent. */
  async end(code: ErrorCode = ErrorCode.SESSION_ENDED): Promise<void> {
    await this.perform(this.step({ type: 'end', code, now: Date.now() }));
  }

  async endSession(_actorId: string): Res<'facilitator.end'> {
    await this.end(ErrorCode.SESSION_ENDED);
    return done;
  }

  // ── the waiting room ──

  /** Lets one waiting member in, with the certificate the facilitator's browser signed (kept only if it verifies). */
  async admit(actorId: string, r: Req<'facilitator.admit'>): Res<'facilitator.admit'> {
    const certificates = r.certificate ? new Map([[r.peerId, r.certificate]]) : new Map<string, string>();
    await this.admitted(this.step({ type: 'admit', actor: actorId, target: r.peerId, now: Date.now() }), certificates);
    return done;
  }

  /** With `certificates`: exactly the waiting members listed, each with its own; without: everyone waiting. */
  async admitAll(actorId: string, r: Req<'facilitator.admitAll'>): Res<'facilitator.admitAll'> {
    const certificates = new Map((r.certificates ?? []).map((c) => [c.peerId, c.certificate]));
    const targets = r.certificates?.map((c) => c.peerId);
    const effects = this.step({ type: 'admitAll', actor: actorId, now: Date.now(), ...(targets ? { targets } : {}) });
    return { admitted: await this.admitted(effects, certificates) };
  }

  async deny(actorId: string, r: Req<'facilitator.deny'>): Res<'facilitator.deny'> {
    await this.perform(this.step({ type: 'deny', actor: actorId, target: r.peerId, note: noteOf(r.message), now: Date.now() }));
    return done;
  }

  async lock(actorId: string, r: Req<'facilitator.lock'>): Res<'facilitator.lock'> {
    await this.perform(this.step({ type: 'lock', actor: actorId, locked: r.locked, now: Date.now() }));
    return done;
  }

  // ── safety actions on someone in the circle ──

  mute(actorId: string, r: Req<'facilitator.mute'>): Res<'facilitator.mute'> {
    return this.onMember('mute', actorId, r.peerId);
  }

  async muteAll(actorId: string): Res<'facilitator.muteAll'> {
    const effects = this.step({ type: 'muteAll', actor: actorId, now: Date.now() });
    await this.perform(effects);
    return { muted: effects.filter((e) => e.type === 'pauseMic').length };
  }

  askUnmute(actorId: string, r: Req<'facilitator.askUnmute'>): Res<'facilitator.askUnmute'> {
    return this.onMember('askUnmute', actorId, r.peerId);
  }

  stopCamera(actorId: string, r: Req<'facilitator.stopCamera'>): Res<'facilitator.stopCamera'> {
    return this.onMember('stopCamera', actorId, r.peerId);
  }

  allowCamera(actorId: string, r: Req<'facilitator.allowCamera'>): Res<'facilitator.allowCamera'> {
    return this.onMember('allowCamera', actorId, r.peerId);
  }

  /** The microphone and camera locks: one kind of event for the membership machine, one way to run it. */
  private async onMember(type: 'mute' | 'askUnmute' | 'stopCamera' | 'allowCamera', actor: string, target: string): Promise<typeof done> {
    await this.perform(this.step({ type, actor, target, now: Date.now() }));
    return done;
  }

  /** Out, told why, and kept out: this device is banned, and a valid revocation of its key goes to everyone. */
  async remove(actorId: string, r: Req<'facilitator.remove'>): Res<'facilitator.remove'> {
    const effects = this.step({ type: 'remove', actor: actorId, target: r.peerId, note: noteOf(r.message), now: Date.now() });
    const banned = effects.find((e): e is Extract<MembershipEffect<Link>, { type: 'banned' }> => e.type === 'banned');
    const target = banned!.member;
    target.link.revocation = this.signed.revoke(target.id, target.publicKey, r.revocation);
    await this.perform(effects);
    return done;
  }

  // ── invites ──

  async createInvite(actorId: string, r: Req<'facilitator.createInvite'>, issuer: InviteIssuer): Res<'facilitator.createInvite'> {
    if (!ROLES_BY_KIND[this.kind].includes(r.role)) throw new HearthError(ErrorCode.INVALID_STATE, 'role not in this kind of session');
    if (!mayInvite(this.seated(actorId).role, r.role)) throw new HearthError(ErrorCode.NOT_ALLOWED);
    this.invites.assertRoom(); // before minting: a refused request changes nothing
    const invite = await issuer.issueInvite({ sessionId: this.id, role: r.role, maxUses: r.maxUses, ttlSeconds: r.ttlMinutes * 60 });
    this.invites.issue(invite.inviteId);
    this.record(actorId, `created a ${r.role} invite`);
    return { token: invite.token, inviteId: invite.inviteId, expiresAt: invite.expiresAt.toISOString() };
  }

  /** The two invites a session starts with (the facilitator's or secretary's, and the members'), in its queue. */
  openingInvites(issuer: InviteIssuer, o: { ttlSeconds: number; memberUses: number }): Promise<{ facilitator: IssuedInvite; member: IssuedInvite }> {
    return this.run(async () => {
      const lead = await issuer.issueInvite({ sessionId: this.id, role: this.kind === 'peer' ? 'secretary' : 'facilitator', maxUses: 3, ttlSeconds: o.ttlSeconds });
      const member = await issuer.issueInvite({ sessionId: this.id, role: 'member', maxUses: o.memberUses, ttlSeconds: o.ttlSeconds });
      for (const i of [lead, member]) this.invites.issue(i.inviteId);
      const grant = (i: typeof lead): IssuedInvite => ({ token: i.token, inviteId: i.inviteId, expiresAt: i.expiresAt.toISOString() });
      return { facilitator: grant(lead), member: grant(member) };
    });
  }

  async revokeInvite(actorId: string, r: Req<'facilitator.revokeInvite'>): Res<'facilitator.revokeInvite'> {
    this.invites.revoke(r.inviteId);
    this.record(actorId, 'revoked an invite');
    return done;
  }

  // ── the floor ──

  async requestTurn(actorId: string): Res<'turn.request'> {
    await this.floor.apply({ type: 'request', id: actorId });
    return done;
  }

  async cancelTurn(actorId: string): Res<'turn.cancel'> {
    await this.floor.apply({ type: 'cancel', id: actorId });
    return done;
  }

  async passTurn(actorId: string, r: Req<'turn.pass'>): Res<'turn.pass'> {
    await this.floor.apply({ type: 'pass', id: actorId, turn: r.turn });
    return done;
  }

  /** A quiet reaction to everyone in the circle; at most one per member every 1.5 s. */
  async react(actorId: string, r: Req<'turn.react'>): Res<'turn.react'> {
    const now = Date.now();
    if (now - (this.lastReaction.get(actorId) ?? 0) < 1500) throw new HearthError(ErrorCode.RATE_LIMITED);
    this.lastReaction.set(actorId, now);
    // Bounded: past the circle's size, forget whoever no longer holds a seat (issue 13).
    if (this.lastReaction.size > this.state.limits.maxPeers) {
      for (const id of this.lastReaction.keys()) if (!holdsSeat(findMember(this.state, id)?.standing)) this.lastReaction.delete(id);
    }
    this.room.sendAll('turn.reaction', { from: actorId, reaction: r.reaction });
    return done;
  }

  async setTurnMode(actorId: string, r: Req<'facilitator.setTurnMode'>): Res<'facilitator.setTurnMode'> {
    await this.floor.apply({ type: 'setMode', mode: r.mode });
    this.record(actorId, `set the floor to ${r.mode}`);
    return done;
  }

  async passStick(actorId: string, r: Req<'facilitator.passStick'>): Res<'facilitator.passStick'> {
    if (!this.floor.current.members.includes(r.peerId)) throw new HearthError(ErrorCode.NOT_FOUND, 'not a member who takes turns');
    await this.floor.apply({ type: 'passTo', id: r.peerId });
    this.record(actorId, 'passed the stick to', this.find(r.peerId)?.link.displayName);
    return done;
  }

  async takeStick(actorId: string): Res<'facilitator.takeStick'> {
    await this.floor.apply({ type: 'takeBack' });
    this.record(actorId, 'took the stick back');
    return done;
  }

  async extendTurn(actorId: string, r: Req<'facilitator.extendTurn'>): Res<'facilitator.extendTurn'> {
    await this.floor.apply({ type: 'extend', ms: r.seconds * 1000 });
    this.record(actorId, `extended the turn by ${r.seconds} s`);
    return done;
  }

  async setTurnLimit(actorId: string, r: Req<'facilitator.setTurnLimit'>): Res<'facilitator.setTurnLimit'> {
    await this.floor.apply({ type: 'setLimit', ms: r.seconds === 0 ? null : r.seconds * 1000 });
    this.record(actorId, r.seconds === 0 ? 'lifted the turn limit' : `set turns to ${r.seconds} s`);
    return done;
  }

  // ── the sender's own media (the media port checks transports, producers and consumers are the sender's) ──

  /**
   * A media request on media whose worker died (before the registry rebuilt it, or in flight when it died) is told
   * MEDIA_MOVING, not INTERNAL: `media.restart` follows, and the page sets its media up again then.
   */
  private async onMedia<T>(op: () => Promise<T>): Promise<T> {
    const media = this.room.media;
    if (media.lost) throw new HearthError(ErrorCode.MEDIA_MOVING);
    try {
      return await op();
    } catch (error) {
      throw media.lost ? new HearthError(ErrorCode.MEDIA_MOVING) : error; // its objects are gone too (NOT_FOUND)
    }
  }

  async setRtpCapabilities(actorId: string, r: Req<'media.setRtpCapabilities'>): Res<'media.setRtpCapabilities'> {
    const waiting = this.find(actorId);
    if (waiting?.standing.kind === 'waiting') {
      // Kept for the admission: the transports and microphone consumers are then made in one go.
      waiting.link.rtpCapabilities = r.rtpCapabilities;
      return done;
    }
    this.room.media.setRtpCapabilities(this.seated(actorId).id, r.rtpCapabilities);
    return done;
  }

  async createTransport(actorId: string, r: Req<'media.createTransport'>): Res<'media.createTransport'> {
    return this.onMedia(() => this.room.media.createTransport(this.seated(actorId).id, r.direction));
  }

  async connectTransport(actorId: string, r: Req<'media.connectTransport'>): Res<'media.connectTransport'> {
    await this.onMedia(() => this.room.media.connectTransport(this.seated(actorId).id, r.transportId, r.dtlsParameters));
    return done;
  }

  async produce(actorId: string, r: Req<'media.produce'>): Res<'media.produce'> {
    return { producerId: await this.onMedia(() => this.room.produce(this.seated(actorId), r.transportId, r.kind, r.source, r.rtpParameters)) };
  }

  async closeProducer(actorId: string, r: Req<'media.closeProducer'>): Res<'media.closeProducer'> {
    this.room.closeProducer(this.seated(actorId), r.producerId);
    return done;
  }

  async setProducerPaused(actorId: string, r: Req<'media.setProducerPaused'>): Res<'media.setProducerPaused'> {
    await this.onMedia(() => this.room.setProducerPaused(this.seated(actorId), r.producerId, r.paused));
    return done;
  }

  /** The member's own measure of their link: kept for the facilitator panel (it changes nothing else). */
  async reportQuality(actorId: string, r: Req<'media.reportQuality'>): Res<'media.reportQuality'> {
    this.seated(actorId).link.report = { level: r.level, ...(r.adapted ? { adapted: r.adapted } : {}) };
    this.pushRoster();
    return done;
  }

  async restartIce(actorId: string, r: Req<'media.restartIce'>): Res<'media.restartIce'> {
    return { iceParameters: await this.onMedia(() => this.room.media.restartIce(this.seated(actorId).id, r.transportId)) };
  }

  async consume(actorId: string, r: Req<'media.consume'>): Res<'media.consume'> {
    return this.onMedia(() => this.room.media.consume(this.seated(actorId).id, r.producerId));
  }

  async resumeConsumer(actorId: string, r: Req<'media.resumeConsumer'>): Res<'media.resumeConsumer'> {
    await this.onMedia(() => this.room.media.resumeConsumer(this.seated(actorId).id, r.consumerId));
    return done;
  }

  /** The member's own choice of how much video it takes part in (audio only, low data, full). */
  async setReceiveMode(actorId: string, r: Req<'media.setReceiveMode'>): Res<'media.setReceiveMode'> {
    await this.room.setVideoMode(this.seated(actorId), r.video);
    return done;
  }

  /** A moderator switches a member to low data video, or back; audio only stays audio only. The member is told. */
  async setLowData(actorId: string, r: Req<'facilitator.setLowData'>): Res<'facilitator.setLowData'> {
    const target = this.seated(r.peerId);
    if (!mayActOn(this.seated(actorId).role, target.role)) throw new HearthError(ErrorCode.NOT_ALLOWED);
    const from = target.link.videoMode;
    const to = from === 'off' ? 'off' : r.lowData ? 'low' : 'full';
    if (to !== from) {
      await this.room.setVideoMode(target, to);
      this.room.sendTo(target.id, 'media.videoMode', { video: to, byFacilitator: true });
    }
    this.record(actorId, r.lowData ? 'switched to low data video' : 'switched back to full video', target.link.displayName);
    return done;
  }

  // ── end-to-end encrypted traffic (opaque; see E2eeRelay) ──

  async distributeKeys(actorId: string, r: Req<'e2ee.distribute'>): Res<'e2ee.distribute'> {
    return { delivered: this.keys.distribute(actorId, r) };
  }

  async ackKey(actorId: string, r: Req<'e2ee.ack'>): Res<'e2ee.ack'> {
    this.keys.acknowledge(actorId, r.epoch, r.tag);
    return done;
  }

  async sendChat(actorId: string, r: Req<'chat.send'>): Res<'chat.send'> {
    this.keys.chat(actorId, r);
    return done;
  }

  async sendNotes(actorId: string, r: Req<'chat.note'>): Res<'chat.note'> {
    return { delivered: this.keys.notes(actorId, r) };
  }

  /** Seats what the machine admitted, each with its verified certificate, and tells each; returns how many. */
  private async admitted(effects: MembershipEffect<Link>[], certificates: ReadonlyMap<string, string>): Promise<number> {
    for (const e of effects) {
      if (e.type !== 'moved' || e.to?.kind !== 'admitted') continue;
      const m = e.member;
      const verified = this.signed.verified(m.id, m.role, m.link.e2eeKey, certificates.get(m.id));
      if (verified) m.link.certificate = verified;
    }
    const seated = await this.perform(effects);
    for (const [id, snapshot] of seated) this.find(id)?.link.outbox.send('session.admitted', snapshot);
    return seated.size;
  }
}
