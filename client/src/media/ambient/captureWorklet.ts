// The ambient check's audio worklet: runs on the audio rendering thread and hands every input sample (mono, the
// node down-mixes) to the page in chunks, until told to stop. It never sends anything anywhere else. Loaded by
// listen.ts as its own same-origin file (the page's CSP allows scripts from 'self' only).

import { CAPTURE_PROCESSOR } from './workletProtocol.js';

// The AudioWorkletGlobalScope, which TypeScript's DOM library does not describe.
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;

/** Samples per message: 2048 is about 43 ms at 48 kHz, few enough messages and a lively level meter. */
const CHUNK = 2048;

class CaptureProcessor extends AudioWorkletProcessor {
  private chunk = new Float32Array(CHUNK);
  private filled = 0;
  private stopped = false;

  constructor() {
    super();
    this.port.onmessage = () => { this.stopped = true; };
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    const mono = inputs[0]?.[0];
    if (!mono) return true; // no input connected yet
    for (let i = 0; i < mono.length; i++) {
      this.chunk[this.filled++] = mono[i] ?? 0;
      if (this.filled === CHUNK) {
        this.port.postMessage(this.chunk, [this.chunk.buffer]);
        this.chunk = new Float32Array(CHUNK);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
