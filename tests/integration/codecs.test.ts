import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@hearth/shared';
import { BOT_RTP } from '../support/Bot.js';
import { closeCircle, openCircle, type Circle } from '../support/circle.js';
import type { TestServer } from '../support/server.js';

// The frame encryption's clear prefix is defined for VP8 and Opus only (docs/e2ee.md): the router offers nothing
// else, so a producer with another codec is refused instead of being encrypted with the wrong prefix.

let f: { server: TestServer; circle: Circle };
beforeAll(async () => {
  f = await openCircle();
});
afterAll(async () => closeCircle(f));

describe('codecs', () => {
  it('the router offers only Opus and VP8', () => {
    const caps = f.circle.facilitator.room.routerRtpCapabilities as { codecs: { mimeType: string }[] };
    const media = caps.codecs.map((c) => c.mimeType).filter((m) => !m.endsWith('/rtx'));
    expect(new Set(media)).toEqual(new Set(['audio/opus', 'video/VP8']));
  });

  it('a camera sent as H264 or VP9 is refused with MEDIA_REJECTED; VP8 is taken', async () => {
    const bot = f.circle.facilitator.bot;
    const t = await bot.ok('media.createTransport', { direction: 'send' });
    for (const codec of [
      { mimeType: 'video/H264', payloadType: 102, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } },
      { mimeType: 'video/VP9', payloadType: 98, clockRate: 90000, parameters: { 'profile-id': 0 } },
    ]) {
      const ack = await bot.request('media.produce', { transportId: t.id, kind: 'video', source: 'camera', rtpParameters: { ...BOT_RTP.video, codecs: [codec] } });
      expect(ack).toMatchObject({ ok: false, code: ErrorCode.MEDIA_REJECTED });
    }
    expect((await bot.request('media.produce', { transportId: t.id, kind: 'video', source: 'camera', rtpParameters: BOT_RTP.video })).ok).toBe(true);
  });
});
