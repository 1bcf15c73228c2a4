import type { types } from 'mediasoup';
import type { MediaKind, VideoMode } from '@hearth/shared';
import type { ConsumerDump, ProducerDump } from '../room/ports.js';

/**
 * Why a consumer is paused at the server, kept in its appData. Each reason is set and cleared on its own, so one
 * never undoes another: `ready` is the client's (it set up its receiver and asked to resume), `held` the
 * server's (an audio-only member does not hear this speaker now), `apart` the server's too (see MediaRoom.setSpace).
 * A client's resume never lifts a hold.
 */
export interface ConsumerState {
  /** The member whose producer this consumes. */
  peerId: string;
  ready: boolean;
  held: boolean;
  /** The two members are in different spaces (circle, side room, not private): nothing passes between them. */
  apart: boolean;
  /** What was last asked of mediasoup: set before the await, so overlapping calls end in the last state asked. */
  paused: boolean;
}

export const stateOf = (c: types.Consumer): ConsumerState => c.appData as unknown as ConsumerState;

/** Pauses or resumes the consumer as its reasons say. The worker runs requests in the order they are sent. */
export async function applyPause(c: types.Consumer): Promise<void> {
  const s = stateOf(c);
  const paused = !s.ready || s.held || s.apart;
  if (paused === s.paused || c.closed) return;
  s.paused = paused;
  try {
    await (paused ? c.pause() : c.resume());
  } catch (error) {
    if (!c.closed) throw error; // closed meanwhile (its producer or member went): nothing left to pause
  }
}

/** Spatial and temporal layer counts from a scalability mode (`S3T3`, `L1T3`); 1 and 1 when absent. */
export function layerCounts(mode: string | undefined): { spatial: number; temporal: number } {
  const m = /^[LS](\d+)T(\d+)/.exec(mode ?? '');
  return m ? { spatial: Number(m[1]), temporal: Number(m[2]) } : { spatial: 1, temporal: 1 };
}

/**
 * The layers a video consumer prefers in a mode: the smallest picture in low data, else the top one. mediasoup
 * still steps a consumer down from its preference when the receiver's bandwidth estimate (transport-cc) says
 * so, and back up when it recovers: a preference is a ceiling, not a pin. Undefined for a single-layer consumer.
 */
export function preferredLayers(c: types.Consumer, mode: VideoMode): types.ConsumerLayers | undefined {
  if (c.type !== 'simulcast' && c.type !== 'svc') return undefined;
  const { spatial, temporal } = layerCounts(c.rtpParameters.encodings?.[0]?.scalabilityMode);
  return { spatialLayer: mode === 'low' ? 0 : spatial - 1, temporalLayer: temporal - 1 };
}

type LayersDump = { preferredSpatialLayer?: number; preferredTemporalLayer?: number; currentSpatialLayer?: number; currentTemporalLayer?: number };
const layers = (spatial: number | undefined, temporal: number | undefined) =>
  spatial === undefined || spatial < 0 ? undefined : { spatialLayer: spatial, temporalLayer: temporal ?? 0 };

/** A consumer as the worker itself holds it (its dump, not the Node-side cache). */
export async function describeConsumer(c: types.Consumer): Promise<ConsumerDump> {
  const d = (await c.dump()) as types.ConsumerDump & LayersDump;
  const preferred = layers(d.preferredSpatialLayer, d.preferredTemporalLayer);
  const current = layers(d.currentSpatialLayer, d.currentTemporalLayer);
  return {
    id: c.id, producerId: c.producerId, peerId: stateOf(c).peerId, kind: c.kind as MediaKind, paused: d.paused, held: stateOf(c).held,
    headerExtensions: (d.rtpParameters.headerExtensions ?? []).map((h) => h.uri),
    ...(preferred ? { preferredLayers: preferred } : {}),
    ...(current ? { currentLayers: current } : {}),
  };
}

/** What the sender declared for each layer, and what arrives of each (mediasoup's stats: one entry per RTP stream). */
export async function describeProducer(p: types.Producer): Promise<ProducerDump> {
  const stats = await p.getStats();
  return {
    id: p.id, kind: p.kind as MediaKind, source: p.appData.source as ProducerDump['source'], paused: p.paused,
    encodings: (p.rtpParameters.encodings ?? []).map((e) => ({
      ...(e.rid ? { rid: e.rid } : {}), ...(e.scalabilityMode ? { scalabilityMode: e.scalabilityMode } : {}),
      ...(e.maxBitrate ? { maxBitrate: e.maxBitrate } : {}),
    })),
    streams: stats.map((s) => ({ ...(s.rid ? { rid: s.rid } : {}), ssrc: s.ssrc, bitrate: s.bitrate, score: s.score })),
  };
}
