/** Messages from the main thread to the frame worker. */
export type WorkerCommand =
  | { type: 'self'; selfId: string }
  | { type: 'key'; epoch: number; groupKey: Uint8Array }
  /** In a side room with `peerId`: send with the pair's key, and open that peer's frames with it (absent: back). */
  | { type: 'side'; side?: { peerId: string; key: Uint8Array } }
  | { type: 'stats' };

/** Messages from the frame worker: it runs (its script loaded, its handlers set), and its counters when asked. */
export type WorkerReport = { type: 'ready' } | { type: 'stats'; stats: WorkerStats };

/** Options given to each RTCRtpScriptTransform. */
export type TransformOptions =
  | { operation: 'encrypt'; kind: 'audio' | 'video' }
  | { operation: 'decrypt'; kind: 'audio' | 'video'; peerId: string };

export interface WorkerStats {
  encrypted: number;
  decrypted: number;
  /** Frames that did not authenticate (wrong key, altered). */
  dropped: number;
  /** Frames with no key for them (before the first key, or after being rekeyed out). */
  noKey: number;
}
