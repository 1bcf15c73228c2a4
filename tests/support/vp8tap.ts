import dgram from 'node:dgram';
import type { types } from 'mediasoup';

export interface TappedFrame {
  timestamp: number;
  keyFrame: boolean;
  data: Buffer;
}

/** Strips the RTP header (CSRCs and header extensions included); undefined if not RTP of this payload type. */
function rtpPayload(packet: Buffer, payloadType: number): { payload: Buffer; marker: boolean; ts: number } | undefined {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return undefined;
  if ((packet[1]! & 0x7f) !== payloadType) return undefined;
  let offset = 12 + 4 * (packet[0]! & 0x0f);
  if (packet[0]! & 0x10) offset += 4 + 4 * packet.readUInt16BE(offset + 2);
  const end = packet[0]! & 0x20 ? packet.length - packet[packet.length - 1]! : packet.length;
  return { payload: packet.subarray(offset, end), marker: !!(packet[1]! & 0x80), ts: packet.readUInt32BE(4) };
}

/** RFC 7741 VP8 payload descriptor: its length, and whether this packet starts a frame. */
function vp8Descriptor(p: Buffer): { length: number; start: boolean } {
  let i = 1;
  const start = !!(p[0]! & 0x10) && (p[0]! & 0x07) === 0;
  if (p[0]! & 0x80) {
    const x = p[i++]!;
    if (x & 0x80) i += p[i]! & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (x & 0x40) i += 1; // TL0PICIDX
    if (x & 0x30) i += 1; // TID / KEYIDX
  }
  return { length: i, start };
}

/**
 * Taps a video producer the way a curious SFU operator could: a PlainTransport consumer on the same router sends
 * every forwarded RTP packet to a local UDP socket; VP8 frames are reassembled from them. `layers`: which
 * simulcast layer to tap (default: the top one).
 */
export async function tapVp8(router: types.Router, producerId: string, ms: number, layers?: types.ConsumerLayers): Promise<TappedFrame[]> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
  await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
  const consumer = await transport.consume({ producerId, rtpCapabilities: router.rtpCapabilities, paused: false, ...(layers ? { preferredLayers: layers } : {}) });
  const pt = consumer.rtpParameters.codecs.find((c) => c.mimeType.toLowerCase() === 'video/vp8')!.payloadType;
  const frames: TappedFrame[] = [];
  let current: { ts: number; parts: Buffer[] } | undefined;
  socket.on('message', (packet) => {
    const rtp = rtpPayload(packet, pt);
    if (!rtp || rtp.payload.length === 0) return;
    const d = vp8Descriptor(rtp.payload);
    if (d.start) current = { ts: rtp.ts, parts: [] };
    if (!current || current.ts !== rtp.ts) return;
    current.parts.push(rtp.payload.subarray(d.length));
    if (rtp.marker) {
      const data = Buffer.concat(current.parts);
      frames.push({ timestamp: rtp.ts, keyFrame: (data[0]! & 0x01) === 0, data });
      current = undefined;
    }
  });
  await consumer.requestKeyFrame();
  await new Promise((r) => setTimeout(r, ms));
  transport.close();
  socket.close();
  return frames;
}
