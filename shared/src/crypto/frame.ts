/**
 * Frame encryption, SFrame-style. A protected frame is
 *
 *   [clear prefix][len][kid][ctr (len bytes, big-endian)][AES-GCM ciphertext][16-byte tag]
 *
 * - clear prefix: the codec bytes the SFU and the receiver's depacketizer must read (VP8: the 10-byte key-frame
 *   header or the 3-byte frame tag; Opus: the TOC byte). It is authenticated (part of the AAD), not encrypted.
 * - kid: the low byte of the key epoch. ctr: a per-sender counter, 1..3 bytes (so at most 21 bytes of overhead).
 * - IV = the sender's 12-byte salt XOR the counter; the AAD is the clear prefix plus the header.
 */
export const TAG_BYTES = 16;
export const MAX_CTR_BYTES = 3;
export const MAX_CTR = 2 ** (8 * MAX_CTR_BYTES) - 1;
export const MAX_OVERHEAD = 2 + MAX_CTR_BYTES + TAG_BYTES;

export interface SenderKey {
  key: CryptoKey;
  salt: Uint8Array;
}

/** How many leading bytes stay readable, by what the frame is. */
export function clearBytes(kind: 'audio' | 'video', keyFrame: boolean): number {
  if (kind === 'audio') return 1;
  return keyFrame ? 10 : 3;
}

function ctrBytes(ctr: number): Uint8Array {
  const len = ctr < 0x100 ? 1 : ctr < 0x10000 ? 2 : 3;
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[len - 1 - i] = (ctr >>> (8 * i)) & 0xff;
  return out;
}

export function ivFor(salt: Uint8Array, ctr: number): Uint8Array {
  const iv = new Uint8Array(salt);
  for (let i = 0; i < 4; i++) iv[11 - i]! ^= (ctr >>> (8 * i)) & 0xff;
  return iv;
}

/** Encrypts one frame. The caller guarantees (key, ctr) is never used twice and ctr <= MAX_CTR. */
export async function sealFrame(sk: SenderKey, kid: number, ctr: number, frame: Uint8Array, clear: number): Promise<Uint8Array> {
  if (!Number.isInteger(ctr) || ctr < 0 || ctr > MAX_CTR) throw new RangeError('frame counter out of range');
  const n = Math.min(clear, frame.length);
  const c = ctrBytes(ctr);
  const header = new Uint8Array(2 + c.length);
  header[0] = c.length;
  header[1] = kid & 0xff;
  header.set(c, 2);
  const aad = new Uint8Array(n + header.length);
  aad.set(frame.subarray(0, n));
  aad.set(header, n);
  const body = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: ivFor(sk.salt, ctr) as BufferSource, additionalData: aad as BufferSource }, sk.key, frame.subarray(n) as BufferSource),
  );
  const out = new Uint8Array(aad.length + body.length);
  out.set(aad);
  out.set(body, aad.length);
  return out;
}

/** Reads the header of a protected frame without decrypting it; undefined when it cannot be one. */
export function frameHeader(data: Uint8Array, clear: number): { kid: number; ctr: number; headerEnd: number } | undefined {
  const n = Math.min(clear, data.length);
  const len = data[n];
  if (len === undefined || len < 1 || len > MAX_CTR_BYTES) return undefined;
  const headerEnd = n + 2 + len;
  if (data.length < headerEnd + TAG_BYTES) return undefined;
  let ctr = 0;
  for (let i = 0; i < len; i++) ctr = ctr * 256 + data[n + 2 + i]!;
  return { kid: data[n + 1]!, ctr, headerEnd };
}

/** Decrypts and authenticates one frame; undefined if anything about it is wrong. */
export async function openFrame(sk: SenderKey, data: Uint8Array, clear: number): Promise<Uint8Array | undefined> {
  const h = frameHeader(data, clear);
  if (!h) return undefined;
  const n = Math.min(clear, data.length);
  try {
    const plain = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: ivFor(sk.salt, h.ctr) as BufferSource, additionalData: data.subarray(0, h.headerEnd) as BufferSource },
        sk.key,
        data.subarray(h.headerEnd) as BufferSource,
      ),
    );
    const out = new Uint8Array(n + plain.length);
    out.set(data.subarray(0, n));
    out.set(plain, n);
    return out;
  } catch {
    return undefined;
  }
}
