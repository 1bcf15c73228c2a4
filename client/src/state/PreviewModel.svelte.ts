import { render } from '../i18n/index.svelte.js';
import { msg, type Message } from '../i18n/message.js';

/**
 * Camera and microphone before joining: ask once, let the member see and hear themselves, and choose
 * what to bring in. A member without a camera (or who refuses it) can still join with audio only.
 */
const CAMERA: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30, max: 30 } };

export class PreviewModel {
  stream = $state<MediaStream | undefined>();
  micOn = $state(true);
  cameraOn = $state(true);
  /** No video sent or received in the room (for a weak connection, or by choice). */
  audioOnly = $state(false);
  /** Why a device is missing, by key (it follows the language); `error` gives it in words. */
  private problem = $state<Message | undefined>();
  ready = $state(false);

  async start(): Promise<void> {
    this.problem = undefined;
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
        video: CAMERA,
      });
    } catch {
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        this.cameraOn = false;
        this.problem = msg('preview.noCamera');
      } catch {
        this.micOn = false;
        this.cameraOn = false;
        this.problem = msg('preview.noDevices');
      }
    }
    this.ready = true;
  }

  get error(): string | undefined {
    return render(this.problem);
  }

  track(kind: 'audio' | 'video'): MediaStreamTrack | undefined {
    return this.stream?.getTracks().find((t) => t.kind === kind);
  }

  toggleMic(): void {
    this.micOn = !this.micOn;
    const t = this.track('audio');
    if (t) t.enabled = this.micOn;
  }

  toggleCamera(): void {
    this.cameraOn = !this.cameraOn;
    const t = this.track('video');
    if (t) t.enabled = this.cameraOn;
  }

  /** Audio only releases the camera at once (its light goes off); turning it off asks for the camera again. */
  async setAudioOnly(on: boolean): Promise<void> {
    this.audioOnly = on;
    const video = this.track('video');
    if (on) {
      this.cameraOn = false;
      video?.stop();
      if (video) this.stream?.removeTrack(video);
      return;
    }
    try {
      const track = (await navigator.mediaDevices.getUserMedia({ video: CAMERA })).getVideoTracks()[0];
      if (!track || !this.stream || this.audioOnly) return track?.stop();
      this.stream.addTrack(track);
      this.cameraOn = true;
    } catch {
      this.problem = msg('preview.cameraFailed');
    }
  }

  stop(): void {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = undefined;
  }
}
