// Real RTP for the load generator (tests/support/load/): members that send Opus-sized audio and VP8-sized video
// into a mediasoup router over PlainTransports, and receive every other member's streams back over loopback UDP.
// The same topology is attached to Hearth's own session routers and to a bare router, so both forward the same.
import dgram from 'node:dgram';
import type { types } from 'mediasoup';

export const AUDIO = { pt: 111, pps: 50, bytes: 60, clockRate: 48000 };
export const VIDEO = { pt: 96, fps: 15, bytes: 1000, clockRate: 90000 };

const PRODUCE: Record<'audio' | 'video', (ssrc: number) => types.RtpParameters> = {
  audio: (ssrc) => ({
    codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO.pt, clockRate: AUDIO.clockRate, channels: 2 }],
    encodings: [{ ssrc }],
  }),
  video: (ssrc) => ({
    codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO.pt, clockRate: VIDEO.clockRate }],
    encodings: [{ ssrc }],
  }),
};

/**
 * One RTP packet. Video payloads start like a VP8 key frame (payload descriptor S=1, key-frame tag, start code,
 * 320x240), so a fresh consumer forwards from the first packet it sees, as it would after a key frame request.
 */
function packet(pt: number, seq: number, ts: number, ssrc: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  b[0] = 0x80;
  b[1] = 0x80 | pt; // marker: one packet per frame
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  if (pt === VIDEO.pt) Buffer.from([0x10, 0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]).copy(b, 12);
  return b;
}

/** A member's media: one UDP socket sending two streams, one UDP socket receiving everyone else's. */
export class MediaMember {
  received = 0;
  sent = 0;
  private seq = { audio: 0, video: 0 };
  private timers: NodeJS.Timeout[] = [];
  private constructor(readonly out: dgram.Socket, readonly inbox: dgram.Socket, readonly ssrc: { audio: number; video: number }) {
    inbox.on('message', () => { this.received++; });
  }

  static async open(ssrcBase: number): Promise<MediaMember> {
    const bind = (s: dgram.Socket) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const [out, inbox] = [dgram.createSocket('udp4'), dgram.createSocket('udp4')];
    await Promise.all([bind(out), bind(inbox)]);
    return new MediaMember(out, inbox, { audio: ssrcBase, video: ssrcBase + 1 });
  }

  get inboxPort(): number {
    return this.inbox.address().port;
  }

  /** Sends both streams to `port` (a comedia PlainTransport) until stop(). */
  start(port: number): void {
    const tick = (kind: 'audio' | 'video') => {
      const c = kind === 'audio' ? AUDIO : VIDEO;
      const n = this.seq[kind]++;
      const ts = Math.round((n * c.clockRate) / (kind === 'audio' ? AUDIO.pps : VIDEO.fps));
      this.out.send(packet(c.pt, n, ts, this.ssrc[kind], c.bytes), port, '127.0.0.1');
      this.sent++;
    };
    this.timers.push(setInterval(() => tick('audio'), 1000 / AUDIO.pps), setInterval(() => tick('video'), 1000 / VIDEO.fps));
  }

  stop(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
  }

  close(): void {
    this.stop();
    this.out.close();
    this.inbox.close();
  }
}

const plain = (router: types.Router, comedia: boolean) =>
  router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia });

/**
 * Attaches `members` to `router`: each one's audio and video produced on its own comedia PlainTransport, and
 * consumed by every other member on that member's receiving PlainTransport. Returns the consumers made.
 */
export async function attach(router: types.Router, members: MediaMember[]): Promise<number> {
  const producers: { owner: MediaMember; id: string }[] = [];
  for (const m of members) {
    const t = await plain(router, true);
    for (const kind of ['audio', 'video'] as const) {
      const p = await t.produce({ kind, rtpParameters: PRODUCE[kind](m.ssrc[kind]) });
      producers.push({ owner: m, id: p.id });
    }
    m.start(t.tuple.localPort);
  }
  let consumers = 0;
  for (const m of members) {
    const t = await plain(router, false);
    await t.connect({ ip: '127.0.0.1', port: m.inboxPort });
    for (const p of producers.filter((x) => x.owner !== m)) {
      await t.consume({ producerId: p.id, rtpCapabilities: router.rtpCapabilities });
      consumers++;
    }
  }
  return consumers;
}
