import { asActor } from './types.js';

// Key envelopes, acknowledgements, chat and private notes: opaque blobs (schema-bounded in size) relayed to named
// admitted members. The server cannot read any of them and keeps none. Only the key leader may hand out a key,
// and only for the next epoch (see room/E2eeRelay.ts).

export const distribute = asActor<'e2ee.distribute'>((s, me, r) => s.distributeKeys(me, r));
export const ack = asActor<'e2ee.ack'>((s, me, r) => s.ackKey(me, r));
export const chat = asActor<'chat.send'>((s, me, r) => s.sendChat(me, r));
export const note = asActor<'chat.note'>((s, me, r) => s.sendNotes(me, r));
