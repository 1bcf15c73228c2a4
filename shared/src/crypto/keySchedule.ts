import type { SenderKey } from './frame.js';
import { SAFETY_WORDS } from './words.js';

/**
 * Key schedule. One random 32-byte group key per epoch (made by the key leader). From it, with HKDF-SHA-256:
 *   sender key  = HKDF(group key, salt = "hearth/e2ee/v1" | epoch, info = "frame" | sender id) -> 16-byte AES key + 12-byte salt
 *   chat key    = HKDF(group key, salt = same, info = "chat") -> 32-byte AES-GCM key
 *   safety code = SHA-256("hearth/safety/v1" | epoch | group-key HKDF "safety" | each member's id and public key, sorted)
 */
const te = new TextEncoder();

function epochSalt(epoch: number): Uint8Array {
  const label = te.encode('hearth/e2ee/v1');
  const out = new Uint8Array(label.length + 4);
  out.set(label);
  new DataView(out.buffer).setUint32(label.length, epoch >>> 0);
  return out;
}

async function hkdf(groupKey: Uint8Array, epoch: number, info: string, bytes: number): Promise<Uint8Array> {
  const ikm = await crypto.subtle.importKey('raw', groupKey as BufferSource, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: epochSalt(epoch) as BufferSource, info: te.encode(info) as BufferSource },
    ikm,
    bytes * 8,
  );
  return new Uint8Array(bits);
}

export async function deriveSenderKey(groupKey: Uint8Array, epoch: number, senderId: string): Promise<SenderKey> {
  const m = await hkdf(groupKey, epoch, `frame|${senderId}`, 28);
  const key = await crypto.subtle.importKey('raw', m.subarray(0, 16) as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt']);
  return { key, salt: m.slice(16, 28) };
}

export async function deriveChatKey(groupKey: Uint8Array, epoch: number): Promise<CryptoKey> {
  const m = await hkdf(groupKey, epoch, 'chat', 32);
  return crypto.subtle.importKey('raw', m as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** How many safety words are shown: 8 words of 8 bits each, 64 bits (see docs/e2ee.md on grinding). */
export const SAFETY_WORD_COUNT = 8;

/**
 * Safety words every member computes alike when everyone holds the same keys and sees the same signed members:
 * SHA-256("hearth/safety/v2|" ‖ words key ‖ "id:role:publicKey" of each signed member in roster order, joined by "|").
 * The words key comes with the group key in every envelope and stays the same while the leader seals to the same
 * members, so rekeys that do not change who is present keep the words. A server never holds the words key, so it
 * cannot grind keys whose words match; 64 bits are shown.
 */
export async function safetyWords(wordsKey: Uint8Array, members: readonly { id: string; role: string; publicKey: string }[]): Promise<string[]> {
  const list = te.encode(members.map((m) => `${m.id}:${m.role}:${m.publicKey}`).join('|'));
  const label = te.encode('hearth/safety/v2|');
  const input = new Uint8Array(label.length + wordsKey.length + list.length);
  input.set(label);
  input.set(wordsKey, label.length);
  input.set(list, label.length + wordsKey.length);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input as BufferSource));
  return [...digest.subarray(0, SAFETY_WORD_COUNT)].map((b) => SAFETY_WORDS[b]!);
}

/** Who sent a chat message, under which key, and its place in that sender's sequence (replays are refused). */
export interface ChatHeader {
  epoch: number;
  senderId: string;
  counter: number;
}

const chatAad = (h: Omit<ChatHeader, 'counter'>) => te.encode(`hearth/chat/v2|${h.epoch >>> 0}|${h.senderId}`);

/**
 * Encrypts a chat message with the epoch's chat key. The sender id and epoch are the authenticated data (the
 * server cannot reattribute a message or move it to another epoch); the sender's counter travels inside.
 */
export async function sealChat(key: CryptoKey, h: ChatHeader, text: string): Promise<{ nonce: Uint8Array; ciphertext: Uint8Array }> {
  const body = te.encode(text);
  const plain = new Uint8Array(4 + body.length);
  new DataView(plain.buffer).setUint32(0, h.counter >>> 0);
  plain.set(body, 4);
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce as BufferSource, additionalData: chatAad(h) as BufferSource }, key, plain as BufferSource),
  );
  return { nonce, ciphertext };
}

/** Opens a chat message said to be from `senderId` under `epoch`; undefined if it does not authenticate. */
export async function openChat(
  key: CryptoKey, h: Omit<ChatHeader, 'counter'>, nonce: Uint8Array, ciphertext: Uint8Array,
): Promise<{ counter: number; text: string } | undefined> {
  try {
    const plain = new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce as BufferSource, additionalData: chatAad(h) as BufferSource }, key, ciphertext as BufferSource),
    );
    if (plain.length < 4) return undefined;
    return { counter: new DataView(plain.buffer).getUint32(0), text: new TextDecoder().decode(plain.subarray(4)) };
  } catch {
    return undefined;
  }
}

/**
 * An acknowledgement that proves its sender holds the epoch's group key: HMAC-SHA-256 under
 * HKDF(group key, epoch, "ack") over "hearth/ack/v1|epoch|member id". Facilitators verify it with their own copy.
 */
export async function ackTag(groupKey: Uint8Array, epoch: number, memberId: string): Promise<Uint8Array> {
  const raw = await hkdf(groupKey, epoch, 'ack', 32);
  const key = await crypto.subtle.importKey('raw', raw as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const msg = te.encode(`hearth/ack/v1|${epoch >>> 0}|${memberId}`);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, msg as BufferSource));
}
