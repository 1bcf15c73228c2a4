// The browser half of the ambient check: records a few seconds of the microphone, every sample, through an audio
// worklet, and classifies them on this device (analysis.ts). It records from a clone of the member's track, so
// stopping it never stops their microphone, and asks the clone for unprocessed sound where the browser allows
// (noise suppression would hide the very voices and TV it listens for). Nothing is sent anywhere: the samples
// stay in this page's memory and are dropped once classified.

import { analyseAmbient, type AmbientResult } from './analysis.js';
import { CAPTURE_PROCESSOR } from './workletProtocol.js';
// Vite builds the worklet as its own same-origin script (the CSP allows no inline or blob: scripts for it).
import workletUrl from './captureWorklet.ts?worker&url';

export interface ListenOptions {
  /** How long to listen, seconds (default 4, at most 6). */
  seconds?: number;
  /** Stops listening; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The level of each chunk as it arrives (RMS, 0..1, about every 40 ms), for a meter. */
  onLevel?: (rms: number) => void;
}

const DEFAULT_SECONDS = 4;
const MAX_SECONDS = 6;
/** If the microphone gives no sound for this long past the end (a suspended audio context, a dead device). */
const GRACE_MS = 4000;

const PROCESSING_OFF = { echoCancellation: false, noiseSuppression: false, autoGainControl: false } as const;
type Processing = Partial<Record<keyof typeof PROCESSING_OFF, boolean>>;

/** Listens to `track` for a few seconds and says what it heard (see analyseAmbient). */
export async function listenAmbient(track: MediaStreamTrack, opts: ListenOptions = {}): Promise<AmbientResult> {
  const seconds = opts.seconds ?? DEFAULT_SECONDS;
  if (!(seconds > 0 && seconds <= MAX_SECONDS)) throw new RangeError(`ambient: cannot listen for ${seconds} s`);
  opts.signal?.throwIfAborted();
  const recording = new Recording(track, opts);
  try {
    const { samples, rate } = await recording.record(seconds);
    return analyseAmbient(samples, rate);
  } finally {
    recording.close();
  }
}

/** One recording: the clone, the audio graph, and their teardown (idempotent). */
class Recording {
  private readonly clone: MediaStreamTrack;
  private readonly context: AudioContext;
  private source: MediaStreamAudioSourceNode | undefined;
  private node: AudioWorkletNode | undefined;
  private closed = false;

  constructor(private readonly track: MediaStreamTrack, private readonly opts: ListenOptions) {
    this.clone = track.clone();
    try {
      this.context = new AudioContext();
    } catch (error) {
      this.clone.stop();
      throw error;
    }
  }

  /** Resolves with exactly `seconds` of samples; rejects on abort, on the track ending, or if no sound comes. */
  record(seconds: number): Promise<{ samples: Float32Array; rate: number }> {
    const rate = this.context.sampleRate;
    const samples = new Float32Array(Math.round(seconds * rate));
    return new Promise((resolve, reject) => {
      let filled = 0;
      const stop = this.stopOn(reject, seconds * 1000 + GRACE_MS);
      const take = (chunk: Float32Array): void => {
        const used = chunk.subarray(0, samples.length - filled);
        samples.set(used, filled);
        filled += used.length;
        this.report(used);
        if (filled === samples.length) { stop(); resolve({ samples, rate }); }
      };
      this.start(take).catch((error: unknown) => { stop(); reject(error); });
    });
  }

  /** Wires the abort signal, the track's end and a deadline to `reject`; returns their undoing. */
  private stopOn(reject: (reason: unknown) => void, deadlineMs: number): () => void {
    const { signal } = this.opts;
    const onAbort = (): void => { undo(); reject(signal?.reason); };
    const onEnded = (): void => { undo(); reject(new Error('ambient: the microphone stopped')); };
    const timer = setTimeout(() => { undo(); reject(new Error('ambient: no sound came from the microphone')); }, deadlineMs);
    const undo = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.clone.removeEventListener('ended', onEnded);
      this.close();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.clone.addEventListener('ended', onEnded, { once: true });
    return undo;
  }

  private async start(take: (chunk: Float32Array) => void): Promise<void> {
    await keepProcessingOff(this.track, this.clone);
    await this.context.audioWorklet.addModule(workletUrl);
    if (this.closed) return;
    this.source = this.context.createMediaStreamSource(new MediaStream([this.clone]));
    this.node = new AudioWorkletNode(this.context, CAPTURE_PROCESSOR, {
      numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: 'explicit',
    });
    this.node.port.onmessage = (event: MessageEvent<Float32Array>) => { if (!this.closed) take(event.data); };
    this.source.connect(this.node);
    this.node.connect(this.context.destination); // pulled by the graph; its output is silence
    if (this.context.state !== 'running') void this.context.resume().catch(() => undefined);
  }

  private report(chunk: Float32Array): void {
    if (!this.opts.onLevel || chunk.length === 0) return;
    let sum = 0;
    for (const v of chunk) sum += v * v;
    try {
      this.opts.onLevel(Math.sqrt(sum / chunk.length));
    } catch {
      // a meter's error must not break the check
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.node) {
      this.node.port.onmessage = null;
      this.node.port.postMessage('stop');
      this.node.disconnect();
    }
    this.source?.disconnect();
    this.clone.stop();
    if (this.context.state !== 'closed') void this.context.close().catch(() => undefined);
  }
}

/**
 * Asks the clone for unprocessed sound. Some browsers apply processing per device rather than per track; if the
 * member's own track changed with it, it gets its settings back (and the check hears processed sound).
 */
async function keepProcessingOff(original: MediaStreamTrack, clone: MediaStreamTrack): Promise<void> {
  const before = processing(original);
  try {
    await clone.applyConstraints({ ...clone.getConstraints(), ...PROCESSING_OFF });
  } catch {
    return; // not supported here: listen to what the browser gives
  }
  const after = processing(original);
  const changed = (Object.keys(PROCESSING_OFF) as (keyof Processing)[]).some((k) => before[k] !== after[k]);
  if (changed) await original.applyConstraints({ ...original.getConstraints(), ...before }).catch(() => undefined);
}

function processing(track: MediaStreamTrack): Processing {
  const { echoCancellation, noiseSuppression, autoGainControl } = track.getSettings();
  const settings: Processing = {};
  if (typeof echoCancellation === 'boolean') settings.echoCancellation = echoCancellation;
  if (typeof noiseSuppression === 'boolean') settings.noiseSuppression = noiseSuppression;
  if (typeof autoGainControl === 'boolean') settings.autoGainControl = autoGainControl;
  return settings;
}
