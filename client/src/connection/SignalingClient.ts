import { io, type Socket } from 'socket.io-client';
import {
  PROTOCOL_VERSION, type Ack, type ClientRequestName, type ClientToServerEvents, type ErrorCode, type EventOf,
  type RequestOf, type ResponseOf, type ServerEventName, type ServerToClientEvents,
} from '@hearth/shared';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** A request the server refused, with its code from the closed set. */
export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
  ) {
    super(message ?? code);
    this.name = 'RequestError';
  }
}

const REQUEST_TIMEOUT_MS = 10_000;

/** Typed requests and events over socket.io. Knows nothing of rooms or media. */
export class SignalingClient {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;

  constructor(onState: (state: ConnectionState, reason?: string) => void, url = '/') {
    this.socket = io(url, {
      auth: { protocolVersion: PROTOCOL_VERSION },
      // The room cannot be resumed after a drop (yet): the model decides when to join again.
      reconnection: false,
      transports: ['websocket', 'polling'],
    });
    onState('connecting');
    this.socket.on('connect', () => onState('connected'));
    this.socket.on('disconnect', (reason) => onState('closed', reason));
    this.socket.on('connect_error', (err) => onState('closed', err.message));
  }

  async request<K extends ClientRequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>> {
    const emit = this.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck as unknown as (
      ev: K,
      p: RequestOf<K>,
    ) => Promise<Ack<ResponseOf<K>>>;
    const ack = await emit.call(this.socket.timeout(REQUEST_TIMEOUT_MS), name, payload);
    if (!ack.ok) throw new RequestError(ack.code, ack.message);
    return ack.data;
  }

  on<K extends ServerEventName>(event: K, handler: (payload: EventOf<K>) => void): void {
    this.socket.on(event, handler as never);
  }

  close(): void {
    this.socket.disconnect();
  }
}
