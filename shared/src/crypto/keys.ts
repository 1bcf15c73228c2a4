import sodium from 'libsodium-wrappers';

/**
 * Identity keys and key envelopes (libsodium).
 *
 * - Each member makes an X25519 key pair for the session (kept in the tab, so a reload keeps it).
 * - Binding: tag = HMAC-SHA-512-256(key = BLAKE2b("hearth/bind/v1" | session secret), "hearth/key/v1" | session id | pk).
 *   The session secret lives only in the links' fragments, so a server without a link cannot present a key of its
 *   own that members accept.
 * - Envelope: crypto_box (X25519, XSalsa20-Poly1305) from the key leader to one member of
 *   "HKE2" | epoch (u32) | len | recipient id | len | leader id | group key (32) | words key (32). Authenticated by
 *   both key pairs: a box altered in transit, or sent by anyone but the leader, does not open. The words key (for
 *   the safety words) stays the same while the leader seals to the same members.
 */
export type Bytes = Uint8Array;
const te = new TextEncoder();
const MAGIC = te.encode('HKE2');

export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

export async function sodiumReady(): Promise<typeof sodium> {
  await sodium.ready;
  return sodium;
}

export const toB64 = (b: Bytes): string => sodium.to_base64(b, sodium.base64_variants.URLSAFE_NO_PADDING);
export const fromB64 = (s: string): Bytes => sodium.from_base64(s, sodium.base64_variants.URLSAFE_NO_PADDING);

export interface KeyPair {
  publicKey: Bytes;
  privateKey: Bytes;
}

export function newKeyPair(): KeyPair {
  const kp = sodium.crypto_box_keypair();
  return { publicKey: kp.publicKey, privateKey: kp.privateKey };
}

function bindMessage(sessionId: string, publicKey: Bytes): Bytes {
  const label = te.encode(`hearth/key/v1|${sessionId}|`);
  const m = new Uint8Array(label.length + publicKey.length);
  m.set(label);
  m.set(publicKey, label.length);
  return m;
}

function bindKey(secret: string): Bytes {
  return sodium.crypto_generichash(sodium.crypto_auth_KEYBYTES, te.encode(`hearth/bind/v1|${secret}`), null);
}

export function bindPublicKey(secret: string, sessionId: string, publicKey: Bytes): Bytes {
  return sodium.crypto_auth(bindMessage(sessionId, publicKey), bindKey(secret));
}

export function verifyBinding(secret: string, sessionId: string, publicKey: Bytes, binding: Bytes): boolean {
  if (publicKey.length !== sodium.crypto_box_PUBLICKEYBYTES || binding.length !== sodium.crypto_auth_BYTES) return false;
  return sodium.crypto_auth_verify(binding, bindMessage(sessionId, publicKey), bindKey(secret));
}

function field(s: string): Bytes {
  const b = te.encode(s);
  if (b.length > 255) throw new EnvelopeError('id too long');
  const out = new Uint8Array(1 + b.length);
  out[0] = b.length;
  out.set(b, 1);
  return out;
}

export interface GroupKeyMessage {
  epoch: number;
  recipientId: string;
  leaderId: string;
  groupKey: Bytes;
  /** The key the safety words are made from: new whenever the set of members sealed to changes. */
  wordsKey: Bytes;
}

export function sealGroupKey(m: GroupKeyMessage, recipientPk: Bytes, leaderSk: Bytes): { nonce: Bytes; box: Bytes } {
  if (m.groupKey.length !== 32 || m.wordsKey.length !== 32) throw new EnvelopeError('keys must be 32 bytes');
  const epoch = new Uint8Array(4);
  new DataView(epoch.buffer).setUint32(0, m.epoch >>> 0);
  const parts = [MAGIC, epoch, field(m.recipientId), field(m.leaderId), m.groupKey, m.wordsKey];
  const plain = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    plain.set(p, o);
    o += p.length;
  }
  const nonce = sodium.randombytes_buf(sodium.crypto_box_NONCEBYTES);
  return { nonce, box: sodium.crypto_box_easy(plain, nonce, recipientPk, leaderSk) };
}

/** Opens an envelope from the expected leader to us; throws EnvelopeError if it is not exactly that. */
export function openGroupKey(
  box: Bytes, nonce: Bytes, leaderPk: Bytes, recipientSk: Bytes, expect: { recipientId: string; leaderId: string },
): { epoch: number; groupKey: Bytes; wordsKey: Bytes } {
  let plain: Bytes;
  try {
    plain = sodium.crypto_box_open_easy(box, nonce, leaderPk, recipientSk);
  } catch {
    throw new EnvelopeError('envelope does not authenticate');
  }
  const td = new TextDecoder();
  if (td.decode(plain.subarray(0, 4)) !== 'HKE2') throw new EnvelopeError('not a key envelope');
  const epoch = new DataView(plain.buffer, plain.byteOffset + 4, 4).getUint32(0);
  let o = 8;
  const read = () => {
    const len = plain[o]!;
    const s = td.decode(plain.subarray(o + 1, o + 1 + len));
    o += 1 + len;
    return s;
  };
  const recipientId = read();
  const leaderId = read();
  const groupKey = plain.slice(o, o + 32);
  const wordsKey = plain.slice(o + 32);
  if (recipientId !== expect.recipientId || leaderId !== expect.leaderId) throw new EnvelopeError('envelope is for someone else');
  if (groupKey.length !== 32 || wordsKey.length !== 32) throw new EnvelopeError('bad keys');
  return { epoch, groupKey, wordsKey };
}

/**
 * A private note's own key, one per (sender, recipient) pair: BLAKE2b-256 keyed with the X25519 shared secret of
 * the two key pairs, over "hearth/note/v1|from|to". Notes never share a key or a format with key envelopes.
 */
function noteKey(fromId: string, toId: string, otherPk: Bytes, ownSk: Bytes): Bytes {
  const shared = sodium.crypto_box_beforenm(otherPk, ownSk);
  return sodium.crypto_generichash(32, te.encode(`hearth/note/v1|${fromId}|${toId}`), shared);
}

/**
 * A side room's frame key (issue 11, step out): BLAKE2b-256 keyed with the X25519 shared secret of the pair's key
 * pairs, over "hearth/side/v1|room|lower id|higher id". Both of the pair derive it, nobody else can (the server
 * holds no private key), and every side room has its own (the server names a fresh random room each time).
 */
export function sideKey(room: string, aId: string, bId: string, otherPk: Bytes, ownSk: Bytes): Bytes {
  const shared = sodium.crypto_box_beforenm(otherPk, ownSk);
  const [x, y] = aId < bId ? [aId, bId] : [bId, aId];
  return sodium.crypto_generichash(32, te.encode(`hearth/side/v1|${room}|${x}|${y}`), shared);
}

export interface NoteParties {
  fromId: string;
  toId: string;
}

/** A private note for one facilitator: XSalsa20-Poly1305 under the pair's note key. */
export function sealNote(text: string, parties: NoteParties, recipientPk: Bytes, senderSk: Bytes): { nonce: Bytes; box: Bytes } {
  const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
  const key = noteKey(parties.fromId, parties.toId, recipientPk, senderSk);
  return { nonce, box: sodium.crypto_secretbox_easy(te.encode(text), nonce, key) };
}

export function openNote(box: Bytes, nonce: Bytes, parties: NoteParties, senderPk: Bytes, recipientSk: Bytes): string | undefined {
  try {
    const key = noteKey(parties.fromId, parties.toId, senderPk, recipientSk);
    return new TextDecoder().decode(sodium.crypto_secretbox_open_easy(box, nonce, key));
  } catch {
    return undefined;
  }
}
