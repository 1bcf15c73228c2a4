/// <reference lib="webworker" />
// The frame-encryption worker: every outgoing audio/video frame is sealed here and every incoming one opened,
// with the current group key's per-sender keys. Nothing unencrypted is ever passed on: without a key, outgoing
// frames are dropped, and incoming frames that do not authenticate are dropped.
import { MAX_CTR, clearBytes, frameHeader, openFrame, sealFrame, type SenderKey } from '@hearth/shared/crypto/frame';
import { deriveSenderKey } from '@hearth/shared/crypto/keySchedule';
import type { WorkerCommand, WorkerReport, WorkerStats, TransformOptions } from './workerProtocol.js';

interface Epoch {
  epoch: number;
  groupKey: Uint8Array;
  senders: Map<string, Promise<SenderKey>>;
  counter: number;
}

/** Old keys stay a moment for frames already in flight, then are forgotten. */
const OLD_KEY_MS = 1500;
const epochs = new Map<number, Epoch>();
let current: Epoch | undefined;
/**
 * A side room's key (step out): while set, everything we send is sealed with it and the partner's frames are opened
 * with it. Its frames carry kid SIDE_KID; a fresh key (a new room) starts a fresh counter.
 */
let side: { peerId: string; epoch: Epoch } | undefined;
const SIDE_KID = 0;
let selfId = '';
const stats: WorkerStats = { encrypted: 0, decrypted: 0, dropped: 0, noKey: 0 };

function senderKey(e: Epoch, id: string): Promise<SenderKey> {
  let k = e.senders.get(id);
  if (!k) {
    k = deriveSenderKey(e.groupKey, e.epoch, id);
    e.senders.set(id, k);
  }
  return k;
}

function install(epoch: number, groupKey: Uint8Array): void {
  if (epochs.has(epoch)) return;
  const e: Epoch = { epoch, groupKey, senders: new Map(), counter: 0 };
  epochs.set(epoch, e);
  const previous = current;
  if (!current || epoch > current.epoch) current = e;
  if (previous && previous !== current) setTimeout(() => epochs.delete(previous.epoch), OLD_KEY_MS);
}

function byKid(kid: number): Epoch | undefined {
  let best: Epoch | undefined;
  for (const e of epochs.values()) if ((e.epoch & 0xff) === kid && (!best || e.epoch > best.epoch)) best = e;
  return best;
}

type Frame = RTCEncodedVideoFrame | RTCEncodedAudioFrame;
const isKeyFrame = (f: Frame) => 'type' in f && f.type === 'key';

function encryptor(kind: 'audio' | 'video') {
  return async (frame: Frame, out: TransformStreamDefaultController<Frame>) => {
    const e = side?.epoch ?? current;
    if (!e || e.counter > MAX_CTR) {
      stats.noKey++;
      return;
    }
    const ctr = e.counter++; // taken before any await: no two frames ever share (key, counter)
    const sk = await senderKey(e, selfId);
    frame.data = (await sealFrame(sk, e.epoch, ctr, new Uint8Array(frame.data), clearBytes(kind, isKeyFrame(frame)))).buffer as ArrayBuffer;
    stats.encrypted++;
    out.enqueue(frame);
  };
}

function decryptor(kind: 'audio' | 'video', peerId: string) {
  return async (frame: Frame, out: TransformStreamDefaultController<Frame>) => {
    const data = new Uint8Array(frame.data);
    const clear = clearBytes(kind, isKeyFrame(frame));
    const h = frameHeader(data, clear);
    const fromSide = side && side.peerId === peerId && h?.kid === SIDE_KID ? side.epoch : undefined;
    const e = h && byKid(h.kid);
    if (!e && !fromSide) {
      stats.noKey++;
      return;
    }
    // The partner's frames in a side room open with the pair's key; a group frame still in flight with the group's.
    let plain = fromSide ? await openFrame(await senderKey(fromSide, peerId), data, clear) : undefined;
    if (!plain && e) plain = await openFrame(await senderKey(e, peerId), data, clear);
    if (!plain) {
      stats.dropped++;
      return;
    }
    frame.data = plain.buffer as ArrayBuffer;
    stats.decrypted++;
    out.enqueue(frame);
  };
}

interface TransformEvent extends Event {
  transformer: { readable: ReadableStream<Frame>; writable: WritableStream<Frame>; options: TransformOptions };
}

(self as unknown as { onrtctransform: (e: TransformEvent) => void }).onrtctransform = (event) => {
  const { readable, writable, options } = event.transformer;
  const transform = options.operation === 'encrypt' ? encryptor(options.kind) : decryptor(options.kind, options.peerId);
  void readable.pipeThrough(new TransformStream<Frame, Frame>({ transform })).pipeTo(writable).catch(() => undefined);
};

self.onmessage = (event: MessageEvent<WorkerCommand>) => {
  const cmd = event.data;
  if (cmd.type === 'self') selfId = cmd.selfId;
  else if (cmd.type === 'key') install(cmd.epoch, cmd.groupKey);
  else if (cmd.type === 'side') {
    side = cmd.side ? { peerId: cmd.side.peerId, epoch: { epoch: SIDE_KID, groupKey: cmd.side.key, senders: new Map(), counter: 0 } } : undefined;
  }
  else if (cmd.type === 'stats') (self as unknown as Worker).postMessage({ type: 'stats', stats: { ...stats } } satisfies WorkerReport);
};

// Handlers are set: the page may now join (KeyManager waits for this; a worker that never says it is replaced).
(self as unknown as Worker).postMessage({ type: 'ready' } satisfies WorkerReport);
