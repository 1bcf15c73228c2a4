import { io, type Socket } from 'socket.io-client';
import {
  ERROR_CODES, PROTOCOL_VERSION, responseProblem, serverEventProblem, type Ack, type ClientRequestName, type ClientToServerEvents,
  type ErrorCode, type EventOf, type RequestOf, type ResponseOf, type ServerEventName, type ServerToClientEvents,
} from '@hearth/shared';

/**
 * The signaling connection's state: `connected` again after `reconnecting` means a new socket (the room model then
 * resumes its seat); `closed` is final (the server closed us, we closed, or the protocol versions differ).
 */
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

/**
 * The reconnect policy: try again soon and often (0.5 s, doubling to at most 2 s, ±30 %), give up on an attempt
 * that has not connected in 3 s (an attempt started while the link was cut hangs in TCP's back-off and would
 * otherwise hold the next one back long after the link is restored), and never stop by ourselves: the room model
 * closes once the server's grace period for the seat is over.
 */
export const RECONNECT = { reconnectionDelay: 500, reconnectionDelayMax: 2_000, randomizationFactor: 0.3, timeout: 3_000 } as const;

const defaultSocket = (url: string): SignalingSocket =>
  io(url, {
    auth: { protocolVersion: PROTOCOL_VERSION },
    reconnection: true,
    ...RECONNECT,
    transports: ['websocket', 'polling'],
  });

/** Disconnect reasons after which socket.io does not reconnect: someone meant it. */
const DELIBERATE = new Set(['io server disconnect', 'io client disconnect']);

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
    let everConnected = false;
    this.socket.on('connect', () => {
      everConnected = true;
      onState('connected');
    });
    this.socket.on('disconnect', (reason) => onState(DELIBERATE.has(reason) ? 'closed' : 'reconnecting', reason));
    this.socket.on('connect_error', (err) => {
      // A refusal by the server's handshake (another protocol version) is final; a network failure is retried.
      if (err.message === 'PROTOCOL_VERSION_MISMATCH') {
        this.socket.disconnect();
        onState('closed', err.message);
      } else onState(everConnected ? 'reconnecting' : 'connecting', err.message);
    });
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
