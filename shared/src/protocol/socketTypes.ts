import type { Ack } from './errors.js';
import type { ClientRequestName, RequestOf, ResponseOf } from './clientToServer.js';
import type { EventOf, ServerEventName } from './serverToClient.js';

/** socket.io event maps derived from the schemas: the client emits requests with an ack callback. */
export type ClientToServerEvents = {
  [K in ClientRequestName]: (payload: RequestOf<K>, ack: (result: Ack<ResponseOf<K>>) => void) => void;
};
export type ServerToClientEvents = { [K in ServerEventName]: (payload: EventOf<K>) => void };

/** What a client sends in socket.io's handshake `auth` field. */
export interface HandshakeAuth {
  protocolVersion: number;
}
