/**
 * Camera and microphone before joining: ask once, let the member see and hear themselves, and choose
 * what to bring in. A member without a camera (or who refuses it) can still join with audio only.
 */
export class PreviewModel {
  stream = $state<MediaStream | undefined>();
  micOn = $state(true);
  cameraOn = $state(true);
  error = $state<string | undefined>();
  ready = $state(false);

  async start(): Promise<void> {
    this.error = undefined;
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
        video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30, max: 30 } },
      });
    } catch {
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        this.cameraOn = false;
        this.error = 'No camera available: you can join with your microphone only.';
      } catch {
        this.micOn = false;
        this.cameraOn = false;
        this.error = 'Your camera and microphone are not available. You can still join to listen and watch.';
      }
    }
    this.ready = true;
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

  stop(): void {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = undefined;
  }
}
