import { io, type Socket } from 'socket.io-client';
import {
  ERROR_CODES, PROTOCOL_VERSION, responseProblem, serverEventProblem, type Ack, type ClientRequestName, type ClientToServerEvents,
  type ErrorCode, type EventOf, type RequestOf, type ResponseOf, type ServerEventName, type ServerToClientEvents,
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

/** Something the server sent that does not fit the protocol: dropped, never given to a model. */
export interface Violation {
  what: string;
  problem: string;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** The part of a socket.io client socket this class uses (tests pass a stand-in). */
export type SignalingSocket = Pick<Socket<ServerToClientEvents, ClientToServerEvents>, 'on' | 'timeout' | 'disconnect'>;

const defaultSocket = (url: string): SignalingSocket =>
  io(url, {
    auth: { protocolVersion: PROTOCOL_VERSION },
    // The room cannot be resumed after a drop (yet): the model decides when to join again.
    reconnection: false,
    transports: ['websocket', 'polling'],
  });

/**
 * Typed requests and events over socket.io. Knows nothing of rooms or media. Every event and every ack is checked
 * against the protocol's schemas first: what does not fit is dropped and reported to `onViolation`.
 */
export class SignalingClient {
  private readonly socket: SignalingSocket;
  onViolation: (v: Violation) => void = () => undefined;

  constructor(onState: (state: ConnectionState, reason?: string) => void, url = '/', makeSocket = defaultSocket) {
    this.socket = makeSocket(url);
    onState('connecting');
    this.socket.on('connect', () => onState('connected'));
    this.socket.on('disconnect', (reason) => onState('closed', reason));
    this.socket.on('connect_error', (err) => onState('closed', err.message));
  }

  async request<K extends ClientRequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>> {
    const timed = this.socket.timeout(REQUEST_TIMEOUT_MS);
    const emit = timed.emitWithAck as unknown as (ev: K, p: RequestOf<K>) => Promise<Ack<ResponseOf<K>>>;
    const ack: unknown = await emit.call(timed, name, payload);
    const a = ack as Partial<{ ok: boolean; data: unknown; code: ErrorCode; message: string }> | null;
    if (a && a.ok === false && ERROR_CODES.includes(a.code as ErrorCode)) {
      throw new RequestError(a.code as ErrorCode, typeof a.message === 'string' ? a.message : undefined);
    }
    const problem = a && a.ok === true ? responseProblem(name, a.data) : 'not an acknowledgement';
    if (problem) {
      this.onViolation({ what: `answer to ${name}`, problem });
      throw new RequestError('BAD_MESSAGE', `the server's answer to ${name} did not fit the protocol`);
    }
    return a!.data as ResponseOf<K>;
  }

  on<K extends ServerEventName>(event: K, handler: (payload: EventOf<K>) => void): void {
    this.socket.on(event, ((payload: unknown) => {
      const problem = serverEventProblem(event, payload);
      if (problem) this.onViolation({ what: event, problem });
      else handler(payload as EventOf<K>);
    }) as never);
  }

  close(): void {
    this.socket.disconnect();
  }
}
