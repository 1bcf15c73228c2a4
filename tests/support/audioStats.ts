// Audio quality as the browser measures it (WebRTC stats), for the weak-link tests and the benchmark: what a
// listener's NetEq did with a speaker's audio (samples played, concealed, FEC packets used) and what a speaker's
// encoder was told about loss (remote-inbound-rtp, from the SFU's receiver reports). Read through the tests'
// RTCPeerConnection tracker (window.__pcs, tests/support/browser.ts).
import type { Page } from 'playwright-core';
import { sleep } from './server.js';

export interface AudioReceived {
  totalSamplesReceived: number;
  /** Samples NetEq made up (expand) because a packet was missing or late, silent ones included. */
  concealedSamples: number;
  /** Of those, samples concealed while the stream was silent (comfort noise in DTX pauses). */
  silentConcealedSamples: number;
  concealmentEvents: number;
  packetsReceived: number;
  packetsLost: number;
  /** Opus in-band FEC (LBRR) packets NetEq received, and those it did not need. */
  fecPacketsReceived: number;
  fecPacketsDiscarded: number;
  audioLevel: number;
  totalAudioEnergy: number;
  /** Seconds of audio held in the jitter buffer, summed over emitted samples (divide by jitterBufferEmittedCount). */
  jitterBufferDelay: number;
  jitterBufferEmittedCount: number;
}

const RECEIVED_KEYS: (keyof AudioReceived)[] = [
  'totalSamplesReceived', 'concealedSamples', 'silentConcealedSamples', 'concealmentEvents', 'packetsReceived', 'packetsLost',
  'fecPacketsReceived', 'fecPacketsDiscarded', 'audioLevel', 'totalAudioEnergy', 'jitterBufferDelay', 'jitterBufferEmittedCount',
];

/** The inbound-rtp audio stats of the track on `name`'s tile on this page. */
export function audioReceived(page: Page, name: string): Promise<AudioReceived | undefined> {
  return page.evaluate(async ({ name, KEYS }) => {
    const tile = [...document.querySelectorAll('figure[data-peer-id]')].find((f) => f.querySelector('.name')?.textContent === name);
    const track = ((tile?.querySelector('audio') as HTMLMediaElement | null | undefined)?.srcObject as MediaStream | null | undefined)?.getTracks()[0];
    if (!track) return undefined;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      for (const s of (await pc.getStats()).values()) {
        if (s.type !== 'inbound-rtp' || s.trackIdentifier !== track.id) continue;
        // (No named helper functions in here: tsx's keepNames would reference a __name the page lacks.)
        const out: Record<string, number> = {};
        for (const k of KEYS) out[k] = typeof s[k] === 'number' ? (s[k] as number) : 0;
        return out as unknown as AudioReceived;
      }
    }
    return undefined;
  }, { name, KEYS: RECEIVED_KEYS });
}

export interface AudioSent {
  packetsSent: number;
  bytesSent: number;
  targetBitrate: number;
  /** From the SFU's last receiver report (mediasoup reports its worst consumer's loss when FEC is on): 0..1. */
  fractionLost: number;
  packetsLostRemote: number;
  roundTripTime: number;
}

/** This page's microphone as sent: outbound-rtp audio and its remote-inbound-rtp (what the SFU reported). */
export function audioSent(page: Page): Promise<AudioSent | undefined> {
  return page.evaluate(async () => {
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      const all = [...(await pc.getStats()).values()];
      const out = all.find((s) => s.type === 'outbound-rtp' && s.kind === 'audio');
      if (!out) continue;
      const rem = all.find((s) => s.type === 'remote-inbound-rtp' && s.localId === out.id) ?? {};
      return {
        packetsSent: out.packetsSent ?? 0, bytesSent: out.bytesSent ?? 0, targetBitrate: out.targetBitrate ?? 0,
        fractionLost: rem.fractionLost ?? 0, packetsLostRemote: rem.packetsLost ?? 0, roundTripTime: rem.roundTripTime ?? 0,
      };
    }
    return undefined;
  });
}

/** Every inbound video stream on this page: how many, the bytes they received and the frames decoded. */
export function videoReceived(page: Page): Promise<{ streams: number; bytes: number; frames: number }> {
  return page.evaluate(async () => {
    const out = { streams: 0, bytes: 0, frames: 0 };
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      for (const s of (await pc.getStats()).values()) {
        if (s.type !== 'inbound-rtp' || s.kind !== 'video') continue;
        out.streams++;
        out.bytes += s.bytesReceived ?? 0;
        out.frames += s.framesDecoded ?? 0;
      }
    }
    return out;
  });
}

export interface Concealment {
  seconds: number;
  samples: number;
  /** concealedSamples / totalSamplesReceived over the window. */
  ratio: number;
  /** The same counting only concealment while the speaker was not silent (concealed − silentConcealed). */
  audibleRatio: number;
  /** Packets the listener missed, percent of those expected (received + lost) in the window. */
  lossPct: number;
  fecPacketsReceived: number;
  fecPacketsDiscarded: number;
  /** The highest audioLevel seen while sampling (0..1), and the energy played in the window. */
  maxAudioLevel: number;
  energy: number;
  /** Mean jitter-buffer delay in the window, ms. */
  jitterBufferMs: number;
}

/** `name`'s audio at `page` over `ms`, sampled every 500 ms (audioLevel is instantaneous). Undefined if none. */
export async function concealmentOver(page: Page, name: string, ms: number): Promise<Concealment | undefined> {
  const a = await audioReceived(page, name);
  const t0 = Date.now();
  let maxAudioLevel = a?.audioLevel ?? 0;
  let b = a;
  for (let i = 0; i < Math.ceil(ms / 500) && Date.now() - t0 < ms; i++) {
    await sleep(Math.min(500, ms - (Date.now() - t0)));
    b = (await audioReceived(page, name)) ?? b;
    maxAudioLevel = Math.max(maxAudioLevel, b?.audioLevel ?? 0);
  }
  if (!a || !b) return undefined;
  const d = (k: keyof AudioReceived) => b[k] - a[k];
  const samples = d('totalSamplesReceived');
  const expected = d('packetsReceived') + d('packetsLost');
  return {
    seconds: (Date.now() - t0) / 1000, samples,
    ratio: samples > 0 ? d('concealedSamples') / samples : NaN,
    audibleRatio: samples > 0 ? (d('concealedSamples') - d('silentConcealedSamples')) / samples : NaN,
    lossPct: expected > 0 ? (100 * d('packetsLost')) / expected : NaN,
    fecPacketsReceived: d('fecPacketsReceived'), fecPacketsDiscarded: d('fecPacketsDiscarded'),
    maxAudioLevel, energy: d('totalAudioEnergy'),
    jitterBufferMs: d('jitterBufferEmittedCount') > 0 ? (1000 * d('jitterBufferDelay')) / d('jitterBufferEmittedCount') : NaN,
  };
}

export const describeConcealment = (c: Concealment) =>
  `${(100 * c.ratio).toFixed(2)} % concealed (${(100 * c.audibleRatio).toFixed(2)} % outside silences) over ${c.seconds.toFixed(1)} s, `
  + `${c.lossPct.toFixed(1)} % packets lost, FEC packets ${c.fecPacketsReceived} received / ${c.fecPacketsDiscarded} unused, `
  + `max audioLevel ${c.maxAudioLevel.toFixed(3)}, jitter buffer ${c.jitterBufferMs.toFixed(0)} ms`;
