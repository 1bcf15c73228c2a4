import { BOT_RTP, type Bot } from './Bot.js';
import type { Circle } from './circle.js';

// Media signaling steps a bot takes, shared by the fast suite (in-memory media port) and the integration suite
// (real mediasoup worker): the same requests, whichever media is behind the server.

/** A send transport and a producer for each source (microphone and camera unless told). */
export async function send(bot: Bot, sources: ('mic' | 'camera')[] = ['mic', 'camera']) {
  const t = await bot.ok('media.createTransport', { direction: 'send' });
  const ids: Record<string, string> = { transportId: t.id };
  for (const source of sources) {
    const kind = source === 'mic' ? 'audio' : 'video';
    ids[source] = (await bot.ok('media.produce', { transportId: t.id, kind, source, rtpParameters: BOT_RTP[kind] })).producerId;
  }
  return ids as { transportId: string; mic?: string; camera?: string };
}

/** A send transport with a microphone; the producer's id. */
export async function mic(bot: Bot): Promise<string> {
  return (await send(bot, ['mic'])).mic!;
}

/** A microphone and a camera, by kind. */
export async function sendBoth(bot: Bot) {
  const sent = await send(bot);
  return { transportId: sent.transportId, audio: sent.mic!, video: sent.camera! };
}

/** Capabilities set and a receive transport made: ready for media.consume. */
export async function readyToReceive(bot: Bot, caps: Record<string, unknown>) {
  await bot.ok('media.setRtpCapabilities', { rtpCapabilities: caps });
  return bot.ok('media.createTransport', { direction: 'recv' });
}

/** A member admitted by the circle's facilitator (Fay), with what the admission told them. */
export async function admit(circle: Circle, name: string) {
  const seat = await circle.member(name);
  return {
    bot: seat.bot, selfId: seat.selfId, key: seat.key.wire, routerRtpCapabilities: seat.room.routerRtpCapabilities, peers: seat.room.peers,
    self: seat.room.self,
  };
}
