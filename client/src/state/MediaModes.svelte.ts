import type { VideoMode } from '@hearth/shared';
import { msg, type Message } from '../i18n/message.js';

/** What the media modes need from the room: the server, our camera, and the video we receive. */
export interface MediaModePorts {
  /** Tells the server (`media.setReceiveMode`); it enforces the mode whatever this page does. */
  tell(video: VideoMode): Promise<unknown>;
  cameraOn(): boolean;
  /** Closes our camera producer and stops the track (the camera light goes off). */
  stopCamera(): Promise<void>;
  startCamera(): Promise<void>;
  /** Our camera sends its smallest layer only (low data), or every layer. */
  limitCamera(low: boolean): Promise<void>;
  /** Closes every video consumer here and takes the video off the tiles. */
  dropVideo(): void;
  /** Receives every camera in the circle again. */
  restoreVideo(): Promise<void>;
  /** The member changed the mode themselves (an automatic switch for a weak link is theirs to undo). */
  chose(): void;
  say(message: Message): void;
}

const SAID: Record<VideoMode, Message> = { off: msg('modes.said.off'), low: msg('modes.said.low'), full: msg('modes.said.full') };

/**
 * How much video this member takes part in: full, low data, or audio only (`off`). The member chooses it (before
 * joining or in the room), a facilitator can switch them to low data, and the connection monitor can step down.
 * The server keeps and enforces the mode; this page also stops consuming, and stops sending, what the mode
 * excludes, so nothing is set up only to be refused.
 */
export class MediaModes {
  video = $state<VideoMode>('full');
  /** The last change was a facilitator's (the view says so). */
  byFacilitator = $state(false);
  /** Was our camera on when audio only began? Then it comes back with the video. */
  private cameraBefore = false;
  private ports: MediaModePorts | undefined;
  /** Changes run one at a time: a facilitator's switch or the monitor's never interleaves with the member's. */
  private queue: Promise<unknown> = Promise.resolve();

  get audioOnly(): boolean {
    return this.video === 'off';
  }

  get lowData(): boolean {
    return this.video === 'low';
  }

  /** Before joining: the mode the member chose on the pre-join screen (nothing to undo yet). */
  preset(video: VideoMode): void {
    this.video = video;
  }

  /** In the circle: the room's side, and the server learns the mode before any video is consumed. */
  async attach(ports: MediaModePorts): Promise<void> {
    this.ports = ports;
    if (this.video !== 'full') await ports.tell(this.video);
    if (this.video === 'low') await ports.limitCamera(true);
  }

  setAudioOnly(on: boolean): Promise<boolean> {
    return this.change(on ? 'off' : 'full', 'member');
  }

  setLowData(on: boolean): Promise<boolean> {
    if (this.video === 'off') return Promise.resolve(false);
    return this.change(on ? 'low' : 'full', 'member');
  }

  /** The connection monitor steps down by itself (it says why); false if there was nothing to step down to. */
  adapt(to: 'audioOnly' | 'lowData'): Promise<boolean> {
    if (to === 'lowData' && this.video !== 'full') return Promise.resolve(false);
    return this.change(to === 'audioOnly' ? 'off' : 'low', 'monitor');
  }

  /** A facilitator switched us (`media.videoMode`): the server has already applied it; follow it here. */
  async followServer(video: VideoMode, byFacilitator: boolean): Promise<void> {
    if (await this.change(video, 'server')) this.byFacilitator = byFacilitator;
    if (!byFacilitator) return;
    this.ports?.say(msg(video === 'low' ? 'modes.byFacilitator.low' : 'modes.byFacilitator.full'));
  }

  private change(to: VideoMode, by: 'member' | 'monitor' | 'server'): Promise<boolean> {
    // The member's own choice stands from the moment it is made: the monitor stops switching by itself.
    if (by === 'member') this.ports?.chose();
    const next = this.queue.then(() => this.apply(to, by));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async apply(to: VideoMode, by: 'member' | 'monitor' | 'server'): Promise<boolean> {
    const ports = this.ports;
    const from = this.video;
    if (!ports || to === from) return false;
    // Set before any await: a camera announced meanwhile is not consumed while audio only.
    this.video = to;
    this.byFacilitator = false;
    try {
      if (to === 'off') {
        this.cameraBefore = ports.cameraOn();
        if (this.cameraBefore) await ports.stopCamera();
        ports.dropVideo();
      }
      if (by !== 'server') await ports.tell(to);
      await ports.limitCamera(to === 'low');
      if (from === 'off') {
        await ports.restoreVideo();
        if (this.cameraBefore) await ports.startCamera();
      }
    } catch {
      // The server did not take it: back to what we had (video we dropped comes back).
      this.video = from;
      if (to === 'off') await ports.restoreVideo().catch(() => undefined);
      return false;
    }
    if (by === 'member') ports.say(SAID[to]);
    return true;
  }
}
