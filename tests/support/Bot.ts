import { io, type Socket } from 'socket.io-client';
import {
  PROTOCOL_VERSION, type Ack, type ClientRequestName, type EventOf, type RequestOf, type ResponseOf, type ServerEventName,
} from '@hearth/shared';

type AnyEvent = { event: string; payload: unknown };

/**
 * A scripted member speaking the wire protocol with socket.io-client, like a hostile or careful client would:
 * it can send anything, including what the typed API forbids.
 */
export class Bot {
  readonly events: AnyEvent[] = [];
  readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.onAny((event: string, payload: unknown) => this.events.push({ event, payload }));
  }

  /**
   * Extra socket.io-client options for every bot of this test file, e.g. `{ localAddress: '127.0.0.23' }`: members
   * coming from an address of their own on loopback (all of 127.0.0.0/8 is local).
   */
  static socketDefaults: { localAddress?: string } = {};

  static connect(url: string, auth: Record<string, unknown> = { protocolVersion: PROTOCOL_VERSION }): Promise<Bot> {
    const socket = io(url, { transports: ['websocket'], reconnection: false, auth, forceNew: true, ...Bot.socketDefaults });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new Bot(socket)));
      socket.once('connect_error', (err) => reject(err));
    });
  }

  /** Sends any event with any payload and returns the raw ack. */
  raw(event: string, payload: unknown): Promise<Ack<unknown>> {
    return this.socket.timeout(5000).emitWithAck(event, payload) as Promise<Ack<unknown>>;
  }

  async request<K extends ClientRequestName>(name: K, payload: RequestOf<K>): Promise<Ack<ResponseOf<K>>> {
    return (await this.raw(name, payload)) as Ack<ResponseOf<K>>;
  }

  /** Like request(), but fails the test on an error ack. */
  async ok<K extends ClientRequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>> {
    const ack = await this.request(name, payload);
    if (!ack.ok) throw new Error(`${name} failed: ${ack.code} ${ack.message ?? ''}`);
    return ack.data;
  }

  /** Resolves with the first matching event, already received or arriving within `ms`. */
  waitFor<K extends ServerEventName>(event: K, match: (p: EventOf<K>) => boolean = () => true, ms = 5000): Promise<EventOf<K>> {
    const seen = this.events.find((e) => e.event === event && match(e.payload as EventOf<K>));
    if (seen) return Promise.resolve(seen.payload as EventOf<K>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.off(event, listener as never);
        reject(new Error(`no ${event} within ${ms} ms`));
      }, ms);
      const listener = (p: EventOf<K>) => {
        if (!match(p)) return;
        clearTimeout(timer);
        this.socket.off(event, listener as never);
        resolve(p);
      };
      this.socket.on(event, listener as never);
    });
  }

  eventsOf<K extends ServerEventName>(event: K): EventOf<K>[] {
    return this.events.filter((e) => e.event === event).map((e) => e.payload as EventOf<K>);
  }

  disconnected(): Promise<void> {
    if (!this.socket.connected) return Promise.resolve();
    return new Promise((r) => this.socket.once('disconnect', () => r()));
  }

  /** Kills the socket's transport as a dead link would: the server sees a drop ('transport close'), not a leave. */
  cut(): Promise<void> {
    const gone = this.disconnected();
    (this.socket.io.engine as unknown as { close(): void }).close();
    return gone;
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** RTP parameters a bot can produce with (what a browser would send for Opus / VP8). */
export const BOT_RTP = {
  audio: {
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } }],
    encodings: [{ ssrc: 11111111 }],
    rtcp: { cname: 'bot' },
  },
  video: {
    codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }],
    encodings: [{ ssrc: 22222222 }],
    rtcp: { cname: 'bot' },
  },
};
