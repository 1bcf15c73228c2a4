import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ErrorCode, HearthError, findMember, initialMembership, isModerator, membershipReducer, type MembershipEffect, type MembershipEvent,
  type IceServer, type MembershipState, type PeerInfo, type PreparedMedia, type RoomSnapshot, type Roster, type SessionKind, type Standing,
} from '@hearth/shared';
import { AuditLog } from './AuditLog.js';
import { E2eeRelay } from './E2eeRelay.js';
import { InviteBook } from './InviteBook.js';
import { peerCard, type Link, type SessionMember } from './member.js';
import type { RoomMedia } from './ports.js';
import { Room, type CircleView } from './Room.js';
import { SerialQueue } from './SerialQueue.js';
import { SignedMembership } from './SignedMembership.js';
import { TurnFloor } from './TurnFloor.js';

export interface SessionLimits {
  /** Most admitted members in the circle (moderators included). */
  maxPeers: number;
  /** Most members in the waiting room (they never count against the circle). */
  maxWaiting: number;
  /** How long a member whose link dropped keeps their seat (the `away` standing); unset = 60 s. */
  reconnectGraceMs?: number;
  /** TURN credentials minted for one member, now (unset: no TURN server configured). */
  iceServers?: () => IceServer[];
}

export interface SessionInfo {
  id: string;
  title: string;
  kind: SessionKind;
  /** The session signing key's public half (32 bytes): it checks certificates and revocations. */
  signingKey: Uint8Array;
}

type Effect = MembershipEffect<Link>;

/**
 * The state of one group session and how its changes reach the world: the membership machine's state (one record
 * per person), its queue, and the ports its effects go through (the circle's media and broadcasts, the turn floor,
 * invites, signed membership, audit). The verbs are in Session.ts. Every method runs inside `run()`.
 */
export abstract class SessionCore {
  readonly invites = new InviteBook();
  readonly audit = new AuditLog();
  readonly id: string;
  readonly title: string;
  readonly kind: SessionKind;
  readonly room: Room;
  readonly floor: TurnFloor;
  lastActivity = Date.now();
  /** Called once the session has ended (the registry forgets it). */
  onEnded: () => void = () => undefined;
  protected state: MembershipState<Link>;
  protected readonly signed: SignedMembership;
  /** Key envelopes, acks, chat and notes; and who the key leader is. */
  protected readonly keys: E2eeRelay;
  private readonly queue = new SerialQueue();
  /** Wake-ups the machine asked for (the end of an away member's grace); cleared when the session ends. */
  private readonly timers = new Set<NodeJS.Timeout>();
  protected readonly graceMs: number;
  private readonly iceServers: (() => IceServer[]) | undefined;
  private speakers: 'all' | readonly string[] = 'all';
  private rosterQueued = false;

  constructor(info: SessionInfo, media: RoomMedia, limits: SessionLimits) {
    this.id = info.id;
    this.title = info.title;
    this.kind = info.kind;
    this.state = initialMembership<Link>(info.kind, limits);
    this.graceMs = limits.reconnectGraceMs ?? 60_000;
    this.iceServers = limits.iceServers;
    this.signed = new SignedMembership(info.id, info.signingKey);
    this.room = new Room(media);
    this.room.onChange = () => this.pushRoster();
    this.keys = new E2eeRelay((id) => this.find(id), () => this.circle(), this.room);
    this.floor = new TurnFloor(
      { announce: (view) => this.room.sendAll('turn.state', view), audible: (speakers) => this.applyAudible(speakers) },
      (task) => void this.run(task).catch(() => undefined),
    );
  }

  get ended(): boolean {
    return this.state.ended;
  }

  /** Everyone in the session: waiting or holding a seat. */
  get size(): number {
    return this.state.members.length;
  }

  /** How many members wait, hold a seat in the circle, or are away (operator metrics: counts, nothing else). */
  standingCounts(): { waiting: number; seated: number; away: number } {
    const counts = { waiting: 0, seated: 0, away: 0 };
    for (const m of this.state.members) counts[m.standing.kind === 'admitted' ? 'seated' : m.standing.kind]++;
    return counts;
  }

  /** Ids of the members holding a seat (in the circle or away): whose media the room may hold. */
  seatHolderIds(): string[] {
    return this.state.members.filter((m) => m.standing.kind !== 'waiting').map((m) => m.id);
  }

  /** The session's one queue: every command, media callback, timer and registry-initiated end goes through it. */
  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.lastActivity = Date.now();
    return this.queue.push(task);
  }

  /** The member holding this resume token (compared in constant time), if any. */
  protected holderOf(token: string): SessionMember | undefined {
    const given = Buffer.from(token);
    return this.state.members.find((m) => {
      const t = m.link.resumeToken === undefined ? undefined : Buffer.from(m.link.resumeToken);
      return t !== undefined && t.length === given.length && timingSafeEqual(t, given);
    });
  }

  /** What a member needs to (re-)enter the circle: who is there, keys metadata, and how to come back after a drop. */
  protected snapshotFor(m: SessionMember, joined: CircleView): RoomSnapshot {
    m.link.resumeToken ??= randomBytes(16).toString('base64url');
    return {
      ...joined, keyEpoch: this.keys.keyEpoch, revocations: this.signed.revocations(),
      resume: { token: m.link.resumeToken, graceMs: this.graceMs },
      ...(this.iceServers ? { iceServers: this.iceServers() } : {}),
    };
  }

  /**
   * The media moved to a new router (its worker died; the registry made the new one): the circle is set up on it as
   * it was (video modes, spaces, who is heard on the floor), then everyone in it is told to set their media up again.
   * Members, roles, keys and the floor do not change. Runs in the queue.
   */
  async rebuildMedia(media: RoomMedia): Promise<void> {
    if (this.state.ended) return media.close();
    await this.room.rebuild(media);
    await this.applyAudible(this.speakers);
    this.room.announceRestart();
  }

  /** Where a connection's member stands, as the gateway authorizes it. */
  standingOf(id: string | undefined): Standing {
    const s = this.find(id)?.standing;
    return !s ? 'outside' : s.kind === 'waiting' ? 'waiting' : 'admitted';
  }

  roster(): Roster {
    return {
      locked: this.state.locked,
      waiting: this.state.members.filter((m) => m.standing.kind === 'waiting')
        .map((m) => ({ id: m.id, displayName: m.link.displayName, e2eeKey: m.link.e2eeKey, ...(m.link.check ? { check: m.link.check } : {}) })),
      members: this.room.roster((id) => this.find(id)),
      audit: this.audit.list(),
    };
  }

  /** The one lookup: a member record by id. */
  protected find(id: string | undefined): SessionMember | undefined {
    return findMember(this.state, id);
  }

  /** The sender's own record, in the circle (the gateway has checked it; a silenced or stale one is NOT_FOUND). */
  protected seated(id: string): SessionMember {
    const m = this.find(id);
    if (m?.standing.kind !== 'admitted') throw new HearthError(ErrorCode.NOT_FOUND, 'no such member');
    return m;
  }

  protected circle(): SessionMember[] {
    return this.state.members.filter((m) => m.standing.kind === 'admitted');
  }

  /** Runs the membership machine: the new state, or the refusal thrown as the code it names. */
  protected step(event: MembershipEvent<Link>): Effect[] {
    const r = membershipReducer(this.state, event);
    if (r.refused) throw new HearthError(r.refused, r.detail);
    this.state = r.state;
    return r.effects;
  }

  /**
   * Performs the machine's effects in order, through the ports. Returns the snapshot of each member it seated (an
   * arrival returns it in the ack, an admission sends it), after telling each how the floor stands.
   */
  protected async perform(effects: Effect[]): Promise<Map<string, RoomSnapshot>> {
    const names = new Map(effects.flatMap((e) => ('member' in e ? [[e.member.id, e.member.link.displayName] as const] : [])));
    const seated = new Map<string, RoomSnapshot>();
    for (const e of effects) {
      // `admitted` and `away` sit in the circle's media (an away member's transports wait for them); the next
      // issues' standings (notPrivate, sideRoom) keep their seat in the machine and get their own media rule here.
      if (e.type === 'moved') {
        if (e.from?.kind === 'admitted' || e.from?.kind === 'away') this.room.leave(e.member.id, e.member.link.revocation);
        if (e.to?.kind === 'admitted') seated.set(e.member.id, await this.seat(e.member));
      } else await this.performOne(e, names);
    }
    for (const id of seated.keys()) this.find(id)?.link.outbox.send('turn.state', this.floor.view());
    return seated;
  }

  /** Records an action in the audit log (names, never ids) and refreshes the panel. */
  protected record(actorId: string, action: string, targetName?: string): void {
    const actor = this.find(actorId);
    if (actor) this.audit.record({ displayName: actor.link.displayName, role: actor.role }, action, targetName);
    this.pushRoster();
  }

  private async performOne(e: Exclude<Effect, { type: 'moved' }>, names: ReadonlyMap<string, string>): Promise<void> {
    switch (e.type) {
      case 'replaced':
        return e.previous.outbox.close(ErrorCode.REPLACED);
      case 'presence':
        return this.room.presence(e.member.id, e.member.link, e.away);
      case 'expireAt':
        return this.wakeAt(e.at, () => this.perform(this.step({ type: 'expire', id: e.id, now: Date.now() })));
      case 'close':
        return e.member.link.outbox.close(e.code, e.note);
      case 'useInvite':
        return this.invites.record(e.inviteId, e.deviceId);
      case 'releaseInvite':
        return this.invites.release(e.inviteId, e.deviceId);
      case 'banned':
        return this.signed.forget(e.member.deviceId);
      case 'floor':
        return void (await this.floor.apply({ type: e.change, id: e.id }));
      case 'pauseMic':
        return this.withMember(e.id, (m) => this.room.pauseMic(m));
      case 'closeCamera':
        return this.withMember(e.id, (m) => this.room.closeCamera(m));
      case 'locks': {
        const { micLocked, cameraLocked, askedToUnmute } = e;
        return this.find(e.id)?.link.outbox.send('self.updated', { micLocked, cameraLocked, askedToUnmute });
      }
      case 'audit': {
        // A target who was just turned away is no longer in the state: its name comes with the effects.
        const target = e.target === undefined ? undefined : names.get(e.target) ?? this.find(e.target)?.link.displayName;
        return this.record(e.actor, e.action, target);
      }
      case 'roster':
        return this.pushRoster();
      case 'ended':
        for (const t of this.timers) clearTimeout(t);
        this.timers.clear();
        this.floor.close();
        this.room.close();
        return this.onEnded();
    }
  }

  /**
   * Runs `task` in the session's queue at `at` (the machine ignores a wake-up that no longer applies). A timer may
   * fire a little before Date.now() reaches `at` (timers keep a monotonic clock): then it is set again for the rest,
   * or the machine would take the wake-up as early, ignore it, and never be woken again.
   */
  private wakeAt(at: number, task: () => Promise<unknown>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (Date.now() < at) return this.wakeAt(at, task);
      void this.run(task).catch(() => undefined);
    }, Math.max(0, at - Date.now()));
    timer.unref();
    this.timers.add(timer);
  }

  private async withMember(id: string, act: (m: SessionMember) => unknown): Promise<void> {
    const m = this.find(id);
    if (m) await act(m);
  }

  /** Into the circle: the others are told, the media port makes room, its certificate is kept for a reload. */
  private async seat(m: SessionMember): Promise<RoomSnapshot> {
    if (m.link.certificate) this.signed.remember(m.deviceId, m.publicKey, m.link.certificate);
    const joined = this.room.join(peerCard(m), m.link);
    // Facilitators are always heard: one who sits down while the floor is held must be forwarded too.
    if (isModerator(m.role) && this.speakers !== 'all') await this.applyAudible(this.speakers);
    const prepared = await this.prepareMedia(m, joined.peers);
    return { ...this.snapshotFor(m, joined), ...(prepared ? { prepared } : {}) };
  }

  /**
   * For a member who gave its receive capabilities from the waiting room: both transports and a (paused) consumer
   * of every microphone in the circle, made now, so the member's first sound does not wait for three round trips.
   */
  private async prepareMedia(m: SessionMember, peers: readonly PeerInfo[]): Promise<PreparedMedia | undefined> {
    const caps = m.link.rtpCapabilities;
    if (!caps) return undefined;
    const media = this.room.media;
    media.setRtpCapabilities(m.id, caps);
    const [send, recv] = await Promise.all([media.createTransport(m.id, 'send'), media.createTransport(m.id, 'recv')]);
    const mics = peers.flatMap((p) => p.producers.filter((x) => x.source === 'mic'));
    const made = await Promise.all(mics.map((p) => media.consume(m.id, p.id).catch(() => undefined)));
    return { send, recv, consumers: made.filter((c) => c !== undefined) };
  }

  /** Forwards audio from these members and every facilitator in the circle, or from everyone. */
  private async applyAudible(speakers: 'all' | readonly string[]): Promise<void> {
    this.speakers = speakers;
    if (speakers === 'all') return this.room.setAudible('all');
    const audible = new Set(speakers);
    for (const m of this.circle()) if (isModerator(m.role)) audible.add(m.id);
    await this.room.setAudible(audible);
  }

  /** Coalesces the many changes of one command into one roster push to the moderators. */
  protected pushRoster(): void {
    if (this.rosterQueued) return;
    this.rosterQueued = true;
    queueMicrotask(() => {
      this.rosterQueued = false;
      if (this.state.ended) return;
      const roster = this.roster();
      for (const m of this.circle()) if (isModerator(m.role)) m.link.outbox.send('facilitator.roster', roster);
    });
  }
}
