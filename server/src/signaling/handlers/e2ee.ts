import { asActor } from './types.js';

// Key envelopes, acknowledgements, chat and private notes: opaque blobs (schema-bounded in size) relayed to named
// admitted members. The server cannot read any of them and keeps none.

export const distribute = asActor<'e2ee.distribute'>((s, me, r) => ({ delivered: s.distributeKeys(me, r) }));
export const ack = asActor<'e2ee.ack'>((s, me, r) => (s.keyAcknowledged(me, r.epoch), {}));
export const chat = asActor<'chat.send'>((s, me, r) => (s.relayChat(me, r), {}));
export const note = asActor<'chat.note'>((s, me, r) => ({ delivered: s.relayNotes(me, r) }));
