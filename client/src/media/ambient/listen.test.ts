import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { listenAmbient } from './listen.js';
import { mix, hiss, voice } from './testSignals.js';

// The browser half, driven without a browser: Web Audio and the microphone track are small fakes; the test plays
// the worklet's part and hands over chunks of generated sound.

type Settings = { echoCancellation?: boolean; noiseSuppression?: boolean; autoGainControl?: boolean };

class FakeTrack extends EventTarget {
  stopped = false;
  readonly clones: FakeTrack[] = [];
  private constraints: MediaTrackConstraints = { deviceId: 'mic-1' };

  /** `device`: the processing settings; shared with clones when the browser keeps them per device. */
  constructor(readonly device: Settings, private readonly perDevice = false) {
    super();
  }

  clone(): FakeTrack {
    const copy = new FakeTrack(this.perDevice ? this.device : { ...this.device }, this.perDevice);
    this.clones.push(copy);
    return copy;
  }

  stop(): void { this.stopped = true; }
  getSettings(): Settings { return { ...this.device }; }
  getConstraints(): MediaTrackConstraints { return this.constraints; }

  applyConstraints(c: MediaTrackConstraints): Promise<void> {
    this.constraints = c;
    for (const key of ['echoCancellation', 'noiseSuppression', 'autoGainControl'] as const) {
      if (typeof c[key] === 'boolean') this.device[key] = c[key];
    }
    return Promise.resolve();
  }
}

class FakeContext {
  static last: FakeContext | undefined;
  sampleRate = 48000;
  state: AudioContextState = 'suspended';
  readonly destination = {};
  readonly audioWorklet = { addModule: vi.fn(() => Promise.resolve()) };
  readonly resume = vi.fn(() => { this.state = 'running'; return Promise.resolve(); });
  readonly close = vi.fn(() => { this.state = 'closed'; return Promise.resolve(); });
  readonly sources: { connect: () => void; disconnect: () => void; stream: unknown }[] = [];

  constructor() { FakeContext.last = this; }

  createMediaStreamSource(stream: unknown): { connect: () => void; disconnect: () => void; stream: unknown } {
    const source = { connect: vi.fn(), disconnect: vi.fn(), stream };
    this.sources.push(source);
    return source;
  }
}

class FakeWorkletNode {
  static last: FakeWorkletNode | undefined;
  readonly port = { onmessage: null as ((e: { data: Float32Array }) => void) | null, postMessage: vi.fn() };
  readonly connect = vi.fn();
  readonly disconnect = vi.fn();

  constructor(readonly context: FakeContext, readonly name: string, readonly options: AudioWorkletNodeOptions) {
    FakeWorkletNode.last = this;
  }

  /** Plays the worklet: posts the samples in chunks of 2048. */
  play(samples: Float32Array): void {
    for (let at = 0; at < samples.length && this.port.onmessage; at += 2048) {
      this.port.onmessage({ data: samples.slice(at, at + 2048) });
    }
  }
}

const nodeReady = async (): Promise<FakeWorkletNode> => {
  await vi.waitFor(() => expect(FakeWorkletNode.last?.port.onmessage).toBeTypeOf('function'));
  return FakeWorkletNode.last as FakeWorkletNode;
};

const speech = (seconds: number): Float32Array =>
  mix(voice({ seconds, rate: 48000, seed: 5, pitch: 120 }), hiss(seconds, 48000, -68, 5));

beforeEach(() => {
  FakeContext.last = undefined;
  FakeWorkletNode.last = undefined;
  vi.stubGlobal('AudioContext', FakeContext);
  vi.stubGlobal('AudioWorkletNode', FakeWorkletNode);
  vi.stubGlobal('MediaStream', class { constructor(readonly tracks: unknown[]) {} });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('listening on the device', () => {
  it('records every sample from a clone of the track, classifies them, and leaves the member\'s microphone alone', async () => {
    const mic = new FakeTrack({ echoCancellation: true, noiseSuppression: true, autoGainControl: true });
    const levels: number[] = [];
    const heard = listenAmbient(mic as unknown as MediaStreamTrack, { onLevel: (rms) => levels.push(rms) });
    const node = await nodeReady();
    node.play(speech(4.5)); // more than asked: the extra is not used
    const result = await heard;
    expect(result.finding).toBe('voice');
    expect(result.seconds).toBe(4);
    expect(levels.length).toBe(Math.ceil((4 * 48000) / 2048));
    expect(Math.max(...levels)).toBeGreaterThan(0.01);
    const clone = mic.clones[0];
    expect(clone?.getSettings()).toEqual({ echoCancellation: false, noiseSuppression: false, autoGainControl: false });
    expect(clone?.getConstraints()).toMatchObject({ deviceId: 'mic-1', noiseSuppression: false });
    expect(clone?.stopped).toBe(true);
    expect(mic.stopped).toBe(false);
    expect(mic.getSettings()).toEqual({ echoCancellation: true, noiseSuppression: true, autoGainControl: true });
    expect(node.options).toMatchObject({ channelCount: 1, channelCountMode: 'explicit' });
    expect(node.port.postMessage).toHaveBeenCalledWith('stop');
    expect(node.port.onmessage).toBeNull();
    expect(FakeContext.last?.sources[0]?.disconnect).toHaveBeenCalled();
    expect(FakeContext.last?.close).toHaveBeenCalledOnce();
    expect(FakeContext.last?.resume).toHaveBeenCalled();
  });

  it('where a browser keeps processing per device, the member\'s track gets its settings back', async () => {
    const mic = new FakeTrack({ echoCancellation: true, noiseSuppression: true, autoGainControl: false }, true);
    const heard = listenAmbient(mic as unknown as MediaStreamTrack, { seconds: 1 });
    (await nodeReady()).play(speech(1));
    await heard;
    expect(mic.getSettings()).toEqual({ echoCancellation: true, noiseSuppression: true, autoGainControl: false });
    expect(mic.getConstraints()).toMatchObject({ deviceId: 'mic-1', echoCancellation: true });
  });

  it('an abort stops it at once and tears everything down', async () => {
    const mic = new FakeTrack({});
    const abort = new AbortController();
    const heard = listenAmbient(mic as unknown as MediaStreamTrack, { signal: abort.signal });
    const node = await nodeReady();
    node.play(speech(1));
    abort.abort();
    await expect(heard).rejects.toMatchObject({ name: 'AbortError' });
    expect(mic.clones[0]?.stopped).toBe(true);
    expect(FakeContext.last?.close).toHaveBeenCalledOnce();
    expect(node.port.postMessage).toHaveBeenCalledWith('stop');
  });

  it('an abort before it starts never touches the microphone', async () => {
    const mic = new FakeTrack({});
    await expect(listenAmbient(mic as unknown as MediaStreamTrack, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(mic.clones).toHaveLength(0);
    expect(FakeContext.last).toBeUndefined();
  });

  it('gives up when no sound comes (a suspended audio context), and when the microphone goes away', async () => {
    vi.useFakeTimers();
    const silent = new FakeTrack({});
    const nothing = listenAmbient(silent as unknown as MediaStreamTrack, { seconds: 2 });
    const failed = expect(nothing).rejects.toThrow(/no sound/);
    await vi.advanceTimersByTimeAsync(6500);
    await failed;
    expect(silent.clones[0]?.stopped).toBe(true);
    vi.useRealTimers();
    const unplugged = new FakeTrack({});
    const gone = listenAmbient(unplugged as unknown as MediaStreamTrack);
    await nodeReady();
    unplugged.clones[0]?.dispatchEvent(new Event('ended'));
    await expect(gone).rejects.toThrow(/stopped/);
  });

  it('a level meter that throws does not break the check; nonsense durations are refused', async () => {
    const mic = new FakeTrack({});
    const heard = listenAmbient(mic as unknown as MediaStreamTrack, { seconds: 1, onLevel: () => { throw new Error('meter'); } });
    (await nodeReady()).play(speech(1));
    await expect(heard).resolves.toMatchObject({ seconds: 1 });
    for (const seconds of [0, -1, 7, NaN]) {
      await expect(listenAmbient(mic as unknown as MediaStreamTrack, { seconds })).rejects.toThrow(RangeError);
    }
  });
});

describe('the capture worklet', () => {
  it('hands over every sample, in order, in chunks of 2048, until told to stop', async () => {
    const posted: Float32Array[] = [];
    let Processor: (new () => { process(inputs: Float32Array[][]): boolean; port: { onmessage: (() => void) | null } }) | undefined;
    vi.stubGlobal('AudioWorkletProcessor', class {
      readonly port = { onmessage: null, postMessage: (chunk: Float32Array) => posted.push(chunk) };
    });
    vi.stubGlobal('registerProcessor', (name: string, ctor: typeof Processor) => { if (name === 'hearth-ambient-capture') Processor = ctor; });
    await import('./captureWorklet.js');
    const processor = new (Processor as NonNullable<typeof Processor>)();
    expect(processor.process([])).toBe(true); // nothing connected yet
    for (let block = 0; block < 40; block++) {
      const quantum = Float32Array.from({ length: 128 }, (_, i) => block * 128 + i);
      expect(processor.process([[quantum]])).toBe(true);
    }
    expect(posted.map((c) => c.length)).toEqual([2048, 2048]);
    expect(posted.flatMap((c) => Array.from(c))).toEqual(Array.from({ length: 4096 }, (_, i) => i));
    processor.port.onmessage?.();
    expect(processor.process([[new Float32Array(128)]])).toBe(false);
  });
});
