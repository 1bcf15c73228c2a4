import { ErrorCode, type EventOf } from '@hearth/shared';
import type { MediaSession } from '../media/MediaSession.js';
import { t } from '../i18n/index.svelte.js';
import { msg, type Message } from '../i18n/message.js';
import { errorMessage } from './messages.js';

/** What our own microphone and camera need of the room. */
export interface LocalPorts {
  media: () => MediaSession | undefined;
  joined: () => boolean;
  explain: (why: Message) => void;
  /** A command went through: the last notice no longer applies. */
  clearNotice: () => void;
  announce: (text: string) => void;
}

/** What the member chose on the pre-join screen. */
type Chosen = { audio?: MediaStreamTrack | undefined; video?: MediaStreamTrack | undefined; micOn: boolean; cameraOn: boolean };

const CAMERA: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 } };

/**
 * Our own microphone and camera in the circle: on, off, and the facilitator's locks (which the server enforces;
 * here we follow them, and say why). Stopping the camera stops its track, so the light goes off.
 */
export class LocalTracks {
  micOn = $state(false);
  cameraOn = $state(false);
  micLocked = $state(false);
  cameraLocked = $state(false);
  video = $state<MediaStreamTrack | undefined>();
  private audio: MediaStreamTrack | undefined;

  constructor(private readonly ports: LocalPorts) {}

  /** Into the circle with what the member chose on the pre-join screen. */
  async bring(media: MediaSession, req: Chosen, noVideo: boolean): Promise<void> {
    this.keep(req, noVideo);
    await this.send(media);
  }

  /** The member's choices and tracks, held without sending anything yet. */
  keep(req: Chosen, noVideo: boolean): void {
    this.audio = req.audio;
    this.micOn = !!req.audio && req.micOn;
    if (req.video && req.cameraOn && !noVideo) {
      this.video = req.video;
      this.cameraOn = true;
    } else req.video?.stop();
  }

  /**
   * Our tracks sent on media just set up (entering, or the server rebuilt the session's media): the microphone as it
   * is (muted stays muted: its track is disabled, so nothing but silence can go out before the server hears of the
   * mute), the camera if it is on.
   */
  async send(media: MediaSession): Promise<void> {
    if (this.audio?.readyState === 'live') {
      await media.produce('mic', this.audio);
      if (!this.micOn) await media.setPaused('mic', true);
    }
    if (this.cameraOn && this.video?.readyState === 'live') await media.produce('camera', this.video);
  }

  async toggleMic(): Promise<void> {
    if (!this.audio || !this.ports.joined()) return;
    const on = !this.micOn;
    try {
      await this.ports.media()?.setPaused('mic', !on);
      this.micOn = on;
      this.ports.clearNotice();
      this.ports.announce(t(on ? 'room.micOn' : 'room.micMuted'));
    } catch (error) {
      // The server keeps a facilitator's mute: stay muted here too, and say why.
      this.ports.media()?.pauseLocally('mic');
      this.micOn = false;
      this.ports.explain(errorMessage(error));
    }
  }

  async toggleCamera(): Promise<void> {
    if (!this.ports.joined()) return;
    if (this.cameraOn) {
      // Close the producer and stop the track: the camera light goes off, nothing is sent.
      await this.ports.media()?.closeProducer('camera');
      this.stopVideo();
      this.ports.announce(t('room.cameraOff'));
      return;
    }
    let track: MediaStreamTrack | undefined;
    try {
      track = (await navigator.mediaDevices.getUserMedia({ video: CAMERA })).getVideoTracks()[0]!;
      const media = this.ports.media();
      if (!media) throw new Error('not in the circle');
      await media.produce('camera', track);
      this.video = track;
      this.cameraOn = true;
      this.ports.clearNotice();
      this.ports.announce(t('room.cameraOn'));
    } catch (error) {
      track?.stop();
      const code = (error as { code?: string }).code;
      this.ports.explain(code === ErrorCode.LOCKED_BY_FACILITATOR ? msg('room.cameraLocked') : msg('room.cameraFailed', { reason: errorMessage(error) }));
    }
  }

  /** Microphone muted and camera stopped (before telling the server we are not private). */
  async goQuiet(): Promise<void> {
    if (this.micOn) await this.toggleMic();
    if (this.cameraOn) await this.toggleCamera();
  }

  /** A facilitator muted us, stopped our camera, or allows them again. */
  follow(u: EventOf<'self.updated'>): void {
    const wasMicLocked = this.micLocked;
    this.micLocked = u.micLocked;
    this.cameraLocked = u.cameraLocked;
    if (u.micLocked && !wasMicLocked) {
      this.ports.media()?.pauseLocally('mic');
      this.micOn = false;
      this.ports.explain(msg('room.mutedByFacilitator'));
    } else if (u.askedToUnmute) this.ports.explain(msg('room.askedToUnmute'));
    if (u.cameraLocked && this.cameraOn) {
      this.ports.media()?.dropLocally('camera');
      this.stopVideo();
      this.ports.explain(msg('room.cameraStopped'));
    }
  }

  /** Every track stopped (leaving). */
  stop(): void {
    this.audio?.stop();
    this.stopVideo();
  }

  private stopVideo(): void {
    this.video?.stop();
    this.video = undefined;
    this.cameraOn = false;
  }
}
