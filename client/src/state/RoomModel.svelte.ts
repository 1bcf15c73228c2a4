import {
  ErrorCode, isModerator, type EventOf, type LinkFragment, type PrivacyCheck, type Role,
  type RoomSnapshot,
} from '@hearth/shared';
import { SignalingClient, type ConnectionState } from '../connection/SignalingClient.js';
import { locatedSocket, watchForLoss } from '../connection/locate.js';
import { MediaSession } from '../media/MediaSession.js';
import { KeyManager, canEncrypt } from '../e2ee/KeyManager.js';
import { QualityMonitor, type Adaptation } from '../media/QualityMonitor.js';
import type { LinkLevel } from '../media/linkQuality.js';
import { E2eeModel } from './E2eeModel.svelte.js';
import { PeerTracks, type PeerView } from './PeerTracks.svelte.js';
import { FacilitatorModel } from './FacilitatorModel.svelte.js';
import { MediaModes, type MediaModePorts } from './MediaModes.svelte.js';
import { TurnModel } from './TurnModel.svelte.js';
import { SpaceModel } from './SpaceModel.svelte.js';
import { LocalTracks } from './LocalTracks.svelte.js';
import { MediaMoves } from './MediaMoves.js';
import { render, t } from '../i18n/index.svelte.js';
import { deviceId } from './link.js';
import { errorMessage } from './messages.js';
import { msg, type Message } from '../i18n/message.js';

export type { PeerView } from './PeerTracks.svelte.js';

export interface JoinRequest {
  displayName: string;
  audio: MediaStreamTrack | undefined;
  video: MediaStreamTrack | undefined;
  micOn: boolean;
  cameraOn: boolean;
  /** Chosen on the pre-join screen: no video sent or received. */
  audioOnly?: boolean;
  /** The private-space check as it stands when they press Join (the ambient check may still be listening)… */
  check?: PrivacyCheck;
  /** …and as it ends: the facilitators then see the final word. */
  checkDone?: Promise<PrivacyCheck>;
}

/** How long a quick exit waits for the server's answer to its leave before closing the socket anyway. */
const QUICK_LEAVE_MS = 250;

export type RoomPhase = 'joining' | 'waiting' | 'joined' | 'left' | 'closed';

/** Codes after which joining again with the same link makes no sense. */
const FINAL = new Set<string>([
  ErrorCode.REMOVED, ErrorCode.SESSION_ENDED, ErrorCode.SESSION_NOT_FOUND, ErrorCode.SESSION_LOST, ErrorCode.DENIED,
]);

/** The session for the view: read its state, call its commands. Owns signaling and media for one visit. */
export class RoomModel {
  phase = $state<RoomPhase>('joining');
  /** Why the session closed for us (by key: shown in the language of the moment), and the facilitator's own note. */
  private closedWhy = $state<Message | undefined>();
  closedNote = $state<string | undefined>();
  canRejoin = $state(true);
  /** The other members and their tracks. */
  readonly tracks = new PeerTracks({
    media: () => this.media,
    started: () => this.started,
    audioOnly: () => this.modes.audioOnly,
    announce: (text) => this.announce(text),
  });
  /** Our own microphone and camera (LocalTracks). */
  readonly local = new LocalTracks({
    media: () => this.media, joined: () => this.phase === 'joined', explain: (why) => this.explain(why),
    clearNotice: () => (this.noticeWhy = undefined), announce: (text) => this.announce(text),
  });
  selfName = $state('');
  selfId = $state<string | undefined>();
  role = $state<Role | undefined>();
  title = $state('');
  /** A visible explanation of the last thing that happened to this member (muted, refused, …), by key. */
  private noticeWhy = $state<Message | undefined>();
  /** Short announcement for screen readers (aria-live). */
  announcement = $state('');
  facilitator = $state<FacilitatorModel | undefined>();
  /** Whether we ran the session when it closed (the closed screen then offers to start a new one). */
  private wasFacilitator = $state(false);
  /** `reconnecting` while our own link is down: the seat waits for us on the server (the grace period). */
  connection = $state<'online' | 'reconnecting'>('online');
  /** Our connection in three words, and what Hearth did about it (QualityMonitor). */
  linkQuality = $state<{ level: LinkLevel | undefined; adapted: Adaptation | undefined }>({ level: undefined, adapted: undefined });
  e2ee = $state<E2eeModel | undefined>();
  readonly turns: TurnModel;
  /** Full video, low data or audio only (MediaModes). */
  readonly modes = new MediaModes();
  /** In the circle, not private right now, or in a side room (SpaceModel). */
  readonly spaces: SpaceModel;

  private readonly signaling: SignalingClient;
  private keys: KeyManager | undefined;
  private media: MediaSession | undefined;
  private pending: JoinRequest | undefined;
  private started: Promise<void> = Promise.resolve();
  /** Our media moving to a new router when the server rebuilds the session's media (MediaMoves). */
  private readonly moves = new MediaMoves({
    media: () => this.media, joined: () => this.phase === 'joined', tracks: this.tracks, local: this.local,
    started: (next) => (this.started = next ?? this.started), fail: (error) => this.close(undefined, undefined, errorMessage(error)),
  });
  /** How to take our seat back after a dropped link (memory only: a reload joins again). */
  private resume: RoomSnapshot['resume'];
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private quality: QualityMonitor | undefined;
  private preparing: Promise<{ keys: KeyManager; media: MediaSession }> | undefined;
  /** While reconnecting: stops asking whether the session ended with its server. */
  private stopWatch: (() => void) | undefined;

  constructor(
    private readonly sessionId: string,
    private readonly link: LinkFragment,
  ) {
    // The socket opens where the session lives (one server, or its node in a cluster).
    this.signaling = new SignalingClient((state, reason) => this.onConnection(state, reason), '/', () => locatedSocket(sessionId));
    this.turns = new TurnModel(this.signaling, () => this.selfId, (text) => this.announce(text));
    this.spaces = new SpaceModel(this.signaling, {
      keys: () => this.keys, goQuiet: () => this.local.goQuiet(), nameOf: this.nameOf,
      setApart: (id, apart) => this.tracks.setApart(id, apart), say: (m) => this.explain(m),
    });
    this.signaling.on('session.admitted', (room) => void this.enter(room));
    this.signaling.on('session.closing', ({ code, message }) => this.close(code, message));
    this.signaling.on('self.updated', (u) => this.local.follow(u));
    this.tracks.follow(this.signaling, () => this.keys);
    this.signaling.on('media.restart', (e) => void this.moves.move(e.routerRtpCapabilities, e.generation));
    this.signaling.on('media.videoMode', (e) => void this.modes.followServer(e.video, e.byFacilitator));
    // Closing the tab is leaving, not a dropped link: say goodbye on the way out (best effort; if it does not get
    // through, the seat simply waits out the grace period). Like a quick exit, it leaves the invite bound here.
    globalThis.addEventListener?.('pagehide', this.onPageHide);
  }

  /**
   * Everything joining needs that does not depend on the member's choices, started while they are still on the
   * pre-join screen (the socket is already connecting): libsodium, this tab's key pair, the frame worker, and the
   * media device loaded with the session's codecs (so we join with our receive capabilities and the server
   * prepares our media at admission).
   */
  prepare(): Promise<{ keys: KeyManager; media: MediaSession }> {
    this.preparing ??= Promise.all([
      // First the invite is bound to this device (a link found later on another device gets nowhere); a refusal
      // (TOKEN_USED_UP, …) fails this at once, and the pre-join screen says so.
      this.signaling.request('session.claim', { sessionId: this.sessionId, token: this.link.token, deviceId: deviceId() }),
      KeyManager.create(this.signaling, this.sessionId, this.link, deviceId()).then(async (keys) => {
        const media = new MediaSession(this.signaling, keys);
        await media.loadForSession(this.sessionId);
        return { keys, media };
      }),
    ]).then(([, ready]) => ready);
    return this.preparing;
  }

  async join(req: JoinRequest): Promise<void> {
    this.selfName = req.displayName;
    this.pending = req;
    if (req.audioOnly) this.modes.preset('off');
    if (!canEncrypt()) {
      this.close(undefined, undefined, msg('room.cannotEncrypt'));
      return;
    }
    try {
      const { keys, media } = await this.prepare();
      this.keys = keys;
      this.media = media;
      this.e2ee = new E2eeModel(keys, this.signaling);
      await this.knock();
    } catch (error) {
      this.close((error as { code?: string }).code, undefined, errorMessage(error));
    }
  }

  /** Arrives at the session with our invite and key: into the circle (moderators, known devices) or the waiting room. */
  private async knock(): Promise<void> {
    const keys = this.keys!;
    const { wire, selfCertificate } = keys.identity;
    const res = await this.signaling.request('session.join', {
      sessionId: this.sessionId, token: this.link.token, displayName: this.selfName, deviceId: deviceId(), e2eeKey: wire,
      ...(selfCertificate ? { certificate: selfCertificate } : {}),
      ...(this.media?.recvRtpCapabilities ? { rtpCapabilities: this.media.recvRtpCapabilities as never } : {}),
      ...(this.pending?.check ? { check: this.pending.check } : {}),
    });
    // The final word follows only if the listening had not ended when they pressed Join.
    if (this.pending?.check?.ambient === 'listening') {
      void this.pending.checkDone?.then((c) => this.spaces.updateCheck(c)).catch(() => undefined);
    }
    if (res.selfId !== keys.selfId) throw new Error('The server gave this device an id it cannot have: not joining.');
    this.role = res.role;
    this.selfId = res.selfId;
    this.title = res.session.title;
    if (isModerator(res.role)) this.facilitator ??= new FacilitatorModel(this.signaling, this.sessionId, this.link, keys, (text) => this.announce(text));
    if (res.room) await this.enter(res.room);
    else {
      this.phase = 'waiting';
      this.announce(t('room.inWaitingRoom'));
      // If the device could not be loaded before joining, our capabilities follow from the waiting room.
      const caps = res.routerRtpCapabilities;
      if (caps && !this.media?.recvRtpCapabilities) void this.media?.offerCapabilities(caps);
    }
  }

  /**
   * `quick`: the quick exit, or the tab closing. The invite stays bound to this device (a waiting member keeps its
   * use), and the answer is awaited for at most QUICK_LEAVE_MS: the leave is on the wire before the socket closes.
   */
  async leave(o: { quick?: boolean } = {}): Promise<void> {
    if (this.phase === 'left' || this.phase === 'closed') return;
    this.phase = 'left';
    const said = this.signaling.request('session.leave', o.quick ? { quickExit: true } : {}).catch(() => undefined);
    await (o.quick ? Promise.race([said, new Promise((r) => setTimeout(r, QUICK_LEAVE_MS))]) : said);
    this.teardown();
  }

  private async enter(room: RoomSnapshot): Promise<void> {
    const req = this.pending;
    const media = this.media;
    if (!req || !media || this.phase === 'joined') return;
    this.moves.enter(room.mediaGeneration ?? 0);
    try {
      this.resume = room.resume;
      this.local.keep(req, this.modes.audioOnly);
      media.useIceServers(room.iceServers);
      void this.keys?.enter(room);
      // Set before adding the snapshot's peers: their producers are consumed once media has started.
      // The server learns our video mode before anything is consumed.
      // With media the server prepared at admission (we gave our capabilities from the waiting room), no round trip.
      const ready = room.prepared ? Promise.resolve(media.adopt(room.prepared)) : media.start(room.routerRtpCapabilities);
      if (room.prepared) this.tracks.usePrepared(room.prepared.consumers);
      this.started = ready.then(() => this.modes.attach(this.modePorts(media)));
      for (const p of room.peers) this.tracks.add(p, false);
      await this.started;
      await this.local.send(media);
    } catch (error) {
      // Unless the session's media moved while we entered (then it is all set up again on the new router).
      if (!this.moves.explains(error)) return this.close(undefined, undefined, errorMessage(error));
    }
    this.phase = 'joined';
    this.announce(t('room.joined'));
    this.watchQuality(media);
    this.moves.entered();
  }

  private onConnection(state: ConnectionState, reason?: string): void {
    if (this.phase === 'left' || this.phase === 'closed') return;
    if (state === 'reconnecting') return this.lostLink();
    if (state === 'connected' && this.connection === 'reconnecting') return void this.regainLink();
    if (state !== 'closed') return;
    const code = reason === ErrorCode.PROTOCOL_VERSION_MISMATCH ? reason : undefined;
    this.close(code, undefined, code ? errorMessage({ code }) : msg('room.connectionLost'));
  }

  /** Samples our link every 2 s: shown to us and the facilitators, and acted on (less data) when it stays bad. */
  private watchQuality(media: MediaSession): void {
    this.quality = new QualityMonitor({
      read: () => media.stats(),
      report: (level, adapted) => this.signaling.request('media.reportQuality', { level, ...(adapted ? { adapted } : {}) }),
      adapt: (to) => this.adaptTo(to),
      say: (text) => this.explain(text),
      changed: (level, adapted) => (this.linkQuality = { level, adapted }),
    });
    this.quality.start();
  }

  /** Hearth's own move on a bad link: less video (the member can undo it). False if there was nothing to cut. */
  private adaptTo(to: Adaptation): Promise<boolean> {
    if (this.connection === 'reconnecting') return Promise.resolve(false);
    return this.modes.adapt(to);
  }

  /** How the media modes reach the room: the server, our camera, and the video on the tiles. */
  private modePorts(media: MediaSession): MediaModePorts {
    return {
      tell: (video) => this.signaling.request('media.setReceiveMode', { video }),
      cameraOn: () => this.local.cameraOn,
      stopCamera: () => this.local.toggleCamera(),
      startCamera: () => this.local.toggleCamera(),
      limitCamera: (low) => media.setCameraLow(low),
      dropVideo: () => media.videoConsumers().forEach((id) => this.tracks.dropConsumer(id)),
      restoreVideo: () => this.tracks.receiveCameras(),
      // The member's own choice stands: the connection monitor no longer switches modes by itself.
      chose: () => this.quality?.undone(),
      say: (text) => this.explain(text),
    };
  }

  /** Our link dropped: calm words, and the seat waits for us on the server until the grace period ends. */
  private lostLink(): void {
    if (this.connection === 'reconnecting' || (this.phase !== 'joined' && this.phase !== 'waiting')) return;
    this.connection = 'reconnecting';
    this.announce(t('room.reconnectingShort'));
    const graceMs = this.phase === 'joined' ? (this.resume?.graceMs ?? 0) : 60_000;
    this.graceTimer = setTimeout(() => this.close(ErrorCode.RESUME_EXPIRED), graceMs);
    // In a cluster, the server the session ran on may have stopped: then no reconnect can succeed; say so.
    this.stopWatch = watchForLoss(this.sessionId, () => this.close(ErrorCode.SESSION_LOST, undefined, msg('room.serverStopped')));
  }

  /** A new socket: take the seat back (or knock again, from the waiting room), then carry on where we were. */
  private async regainLink(): Promise<void> {
    clearTimeout(this.graceTimer);
    this.stopWatch?.();
    try {
      if (this.phase === 'joined' && this.resume) {
        const res = await this.signaling.request('session.resume', { sessionId: this.sessionId, resumeToken: this.resume.token });
        await this.resumed(res.room);
      } else if (this.phase === 'waiting') {
        // A waiting member holds no seat: they knock again, and the facilitator sees them waiting again.
        await this.knock();
      }
      this.connection = 'online';
      this.announce(t('room.reconnected'));
    } catch (error) {
      const code = (error as { code?: string }).code;
      // The server answers but no longer knows a session we sat in, or no longer accepts the tokens it gave us (its
      // signing key is made at start): it restarted, and sessions live in its memory only.
      const restarted = code === ErrorCode.SESSION_NOT_FOUND || code === ErrorCode.TOKEN_INVALID;
      this.close(restarted ? ErrorCode.SESSION_LOST : code, undefined, restarted ? msg('room.serverRestarted') : errorMessage(error));
    }
  }

  /** Back in our seat: bring the circle up to date (who came, went or changed tracks meanwhile), then the media. */
  private async resumed(room: RoomSnapshot): Promise<void> {
    this.resume = room.resume;
    this.media?.useIceServers(room.iceServers);
    void this.keys?.resumed(room);
    // The session's media was rebuilt while we were away: set ours up again there (ICE restarts would go nowhere).
    const rebuilt = this.moves.move(room.routerRtpCapabilities, room.mediaGeneration ?? 0);
    this.tracks.sync(room.peers);
    if (!rebuilt) await this.media?.recover();
  }

  /** The session is over for this member: say why, in plain words, and release everything. */
  private close(code: string | undefined, note?: string, why?: Message): void {
    if (this.phase === 'left' || this.phase === 'closed') return;
    this.closedWhy = why ?? errorMessage({ code });
    this.closedNote = note;
    this.canRejoin = !code || !FINAL.has(code);
    this.wasFacilitator = !!this.facilitator;
    this.phase = 'closed';
    this.announce(this.closedText);
    this.teardown();
  }

  private readonly onPageHide = (): void => void this.leave({ quick: true });

  private teardown(): void {
    globalThis.removeEventListener?.('pagehide', this.onPageHide);
    clearTimeout(this.graceTimer);
    this.stopWatch?.();
    this.quality?.stop();
    this.connection = 'online';
    this.media?.close();
    this.keys?.close();
    this.turns.close();
    this.signaling.close();
    this.local.stop();
    this.pending?.video?.stop();
    this.tracks.clear();
    this.facilitator = undefined;
  }

  /** A member's display name by id (for the turn bar and reactions). */
  nameOf = (id: string): string => (id === this.selfId ? this.selfName : (this.tracks.peer(id)?.displayName ?? t('common.someone')));

  /** The other members, as the room view shows them. */
  get peers(): PeerView[] {
    return this.tracks.peers;
  }

  /** Why the session closed for us, by message key (the view marks the closed screen with it). */
  get closedReason(): string | undefined {
    return this.closedWhy?.key;
  }

  /** We ran the session and it ended with its server (stopped, restarted, lost): the closed screen offers /host. */
  get canStartAgain(): boolean {
    return this.wasFacilitator && ['room.serverRestarted', 'room.serverStopped', 'error.SESSION_LOST'].includes(this.closedReason ?? '');
  }

  /** Why the session closed for us, in the current language. */
  get closedText(): string {
    return render(this.closedWhy) ?? '';
  }

  /** The last notice, in the current language. */
  get notice(): string | undefined {
    return render(this.noticeWhy);
  }

  private explain(why: Message): void {
    this.noticeWhy = why;
    this.announce(render(why));
  }

  private announce(text: string): void {
    this.announcement = text;
  }
}
