// The on-device ambient check (issue 11): a few seconds of the microphone, classified in this page, before a
// member joins a group. Nothing leaves the device but the word the caller chooses to send. Import listen.js
// lazily (it carries the audio worklet); the types cost nothing.

export type { AmbientFinding, AmbientResult } from './analysis.js';
export type { ListenOptions } from './listen.js';
export { analyseAmbient } from './analysis.js';
export { listenAmbient } from './listen.js';
