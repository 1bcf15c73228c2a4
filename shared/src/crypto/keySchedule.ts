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

/**
 * Five words every member computes alike when everyone holds the same group key and sees the same member keys.
 * Read aloud and compared, a mismatch means someone is in the middle.
 */
export async function safetyWords(groupKey: Uint8Array, epoch: number, members: { id: string; publicKey: string }[]): Promise<string[]> {
  const secret = await hkdf(groupKey, epoch, 'safety', 32);
  const list = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((m) => `${m.id}:${m.publicKey}`).join('|');
  const label = te.encode(`hearth/safety/v1|${epoch}|`);
  const input = new Uint8Array(label.length + secret.length + te.encode(list).length);
  input.set(label);
  input.set(secret, label.length);
  input.set(te.encode(list), label.length + secret.length);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input as BufferSource));
  return [...digest.subarray(0, 5)].map((b) => SAFETY_WORDS[b]!);
}

/** Encrypts a chat message with the current chat key. */
export async function sealChat(key: CryptoKey, text: string): Promise<{ nonce: Uint8Array; ciphertext: Uint8Array }> {
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce as BufferSource }, key, te.encode(text) as BufferSource));
  return { nonce, ciphertext };
}

export async function openChat(key: CryptoKey, nonce: Uint8Array, ciphertext: Uint8Array): Promise<string | undefined> {
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce as BufferSource }, key, ciphertext as BufferSource);
    return new TextDecoder().decode(plain);
  } catch {
    return undefined;
  }
}
