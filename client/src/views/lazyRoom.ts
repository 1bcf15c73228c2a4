import { lazyModule } from '../state/lazy.js';

/**
 * The room chunk (views/roomChunk.ts). The pre-join view starts it as soon as it has drawn, so by the time the
 * member presses Join the import has long finished and joining waits for nothing.
 */
export const roomChunk = lazyModule(() => import('./roomChunk.js'));
export type RoomChunk = Awaited<ReturnType<typeof roomChunk.load>>;
