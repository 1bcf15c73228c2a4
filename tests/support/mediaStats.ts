import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.js';

/** Chromium whose fake microphone plays `wav` (looped) instead of the beep: speech costs what speech costs. */
export function launchSpeaking(wav: string): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, `--use-file-for-fake-audio-capture=${wav}`], headless: true });
}

export interface Downlink {
  /** inbound-rtp audio: bytesReceived + headerBytesReceived (RTP headers, payload with the E2EE trailer, padding). */
  audioRtpBytes: number;
  audioPackets: number;
  /** Video frames decoded, and bytes received, over every inbound video stream on the page. */
  videoFramesDecoded: number;
  videoBytes: number;
  /** Bytes received by each inbound video stream (by stats id): a stopped receiver's stats may vanish. */
  videoBytesById: Record<string, number>;
  videoInbound: number;
  /**
   * The selected candidate pairs of the receiving connections: every byte that arrived on them (RTP, RTCP, STUN,
   * SRTP tags) and the packets, so IP and UDP headers (28 bytes each, IPv4) can be added for the wire.
   */
  transportBytes: number;
  transportPackets: number;
  at: number;
}

/** What this page receives, summed over its receiving peer connections (the tests' RTCPeerConnection tracker). */
export function downlink(page: Page): Promise<Downlink> {
  return page.evaluate(async () => {
    const out = { audioRtpBytes: 0, audioPackets: 0, videoFramesDecoded: 0, videoBytes: 0, videoBytesById: {} as Record<string, number>, videoInbound: 0, transportBytes: 0, transportPackets: 0, at: Date.now() };
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      const report = [...(await pc.getStats()).values()] as Record<string, number & string & undefined>[];
      const inbound = report.filter((s) => s.type === 'inbound-rtp');
      if (inbound.length === 0) continue;
      for (const s of inbound) {
        if (s.kind === 'audio') {
          out.audioRtpBytes += (s.bytesReceived ?? 0) + (s.headerBytesReceived ?? 0);
          out.audioPackets += s.packetsReceived ?? 0;
        } else {
          out.videoInbound++;
          out.videoFramesDecoded += s.framesDecoded ?? 0;
          out.videoBytes += s.bytesReceived ?? 0;
          out.videoBytesById[String(s.id)] = s.bytesReceived ?? 0;
        }
      }
      const transport = report.find((s) => s.type === 'transport');
      const pair = report.find((s) => s.type === 'candidate-pair' && s.id === transport?.selectedCandidatePairId);
      out.transportBytes += pair?.bytesReceived ?? 0;
      out.transportPackets += pair?.packetsReceived ?? 0;
    }
    return out;
  });
}

/** kbit/s between two samples: audio RTP, the transport, and the transport with IPv4 + UDP headers (the wire). */
export function rates(a: Downlink, b: Downlink): { audioRtp: number; transport: number; wire: number; packetsPerSecond: number } {
  const s = (b.at - a.at) / 1000;
  const kbps = (bytes: number) => (bytes * 8) / s / 1000;
  const packets = b.transportPackets - a.transportPackets;
  return {
    audioRtp: kbps(b.audioRtpBytes - a.audioRtpBytes),
    transport: kbps(b.transportBytes - a.transportBytes),
    wire: kbps(b.transportBytes - a.transportBytes + 28 * packets),
    packetsPerSecond: packets / s,
  };
}

export interface RemoteDetail {
  packetsReceived: number;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  totalSamplesReceived: number;
  concealedSamples: number;
  audioLevel: number;
  totalAudioEnergy: number;
}

/** The inbound-rtp stats of the track on `name`'s tile, with sizes and audio quality. */
export function remote(page: Page, name: string, kind: 'audio' | 'video'): Promise<RemoteDetail | undefined> {
  return page.evaluate(async ({ name, kind }) => {
    const tile = [...document.querySelectorAll('figure[data-peer-id]')].find((f) => f.querySelector('.name')?.textContent === name);
    const track = ((tile?.querySelector(kind) as HTMLMediaElement | null | undefined)?.srcObject as MediaStream | null | undefined)?.getTracks()[0];
    if (!track) return undefined;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      for (const s of (await pc.getStats()).values()) {
        if (s.type !== 'inbound-rtp' || s.trackIdentifier !== track.id) continue;
        return {
          packetsReceived: s.packetsReceived ?? 0, framesDecoded: s.framesDecoded ?? 0, frameWidth: s.frameWidth ?? 0,
          frameHeight: s.frameHeight ?? 0, totalSamplesReceived: s.totalSamplesReceived ?? 0, concealedSamples: s.concealedSamples ?? 0,
          audioLevel: s.audioLevel ?? 0, totalAudioEnergy: s.totalAudioEnergy ?? 0,
        };
      }
    }
    return undefined;
  }, { name, kind });
}

/** Video this page sends (outbound-rtp video streams with frames encoded). */
export function sentVideoFrames(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let frames = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      for (const s of (await pc.getStats()).values()) if (s.type === 'outbound-rtp' && s.kind === 'video') frames += s.framesEncoded ?? 0;
    }
    return frames;
  });
}

/**
 * Mean absolute difference (grey levels, 32x24) between the frame now on `name`'s tile and this page's fake camera,
 * captured here for the purpose and never sent (a member without a camera of its own can be checked too).
 * Chromium's fake cameras draw the same animated pattern: a correct decode is close (≈ 3–10), garbage far (55+).
 */
export function matchesFakeCamera(page: Page, name: string): Promise<{ mad: number; contrast: number } | undefined> {
  return page.evaluate(async (name) => {
    const w = window as unknown as { __refCamera?: HTMLVideoElement };
    if (!w.__refCamera) {
      const v = document.createElement('video');
      v.muted = true;
      v.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
      await v.play();
      while (v.videoWidth === 0) await new Promise((r) => setTimeout(r, 50));
      w.__refCamera = v;
    }
    const grey = (v: HTMLVideoElement) => {
      const c = document.createElement('canvas');
      c.width = 32;
      c.height = 24;
      const ctx = c.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(v, 0, 0, 32, 24);
      const d = ctx.getImageData(0, 0, 32, 24).data;
      return Array.from({ length: 768 }, (_, i) => 0.299 * d[4 * i]! + 0.587 * d[4 * i + 1]! + 0.114 * d[4 * i + 2]!);
    };
    const tile = [...document.querySelectorAll('figure[data-peer-id]')].find((f) => f.querySelector('.name')?.textContent === name);
    const remoteVideo = tile?.querySelector('video');
    if (!remoteVideo || remoteVideo.videoWidth === 0) return undefined;
    const a = grey(remoteVideo);
    const b = grey(w.__refCamera);
    const mean = a.reduce((x, y) => x + y, 0) / a.length;
    return {
      mad: a.reduce((sum, x, i) => sum + Math.abs(x - b[i]!), 0) / a.length,
      contrast: Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / a.length),
    };
  }, name);
}
