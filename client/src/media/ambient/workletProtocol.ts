// What listen.ts and its capture worklet agree on: the processor's name. The worklet posts Float32Array chunks
// of mono samples; any message from the page stops it.

export const CAPTURE_PROCESSOR = 'hearth-ambient-capture';
