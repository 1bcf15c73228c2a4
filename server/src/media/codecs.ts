import type { types } from 'mediasoup';

/**
 * Router codecs: only what end-to-end encryption handles. The frame format keeps a codec-specific clear prefix
 * (docs/e2ee.md) that is defined for Opus and VP8 alone, so the router offers nothing else and mediasoup refuses a
 * producer in any other codec (MEDIA_REJECTED) rather than letting it be encrypted with the wrong prefix.
 * Opus carries in-band FEC for lossy links.
 */
export const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 600 } },
];
