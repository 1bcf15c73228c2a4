import { createCipheriv, hkdfSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_CTR, MAX_OVERHEAD, clearBytes, frameHeader, ivFor, openFrame, sealFrame } from './frame.js';
import { deriveChatKey, deriveSenderKey, openChat, safetyWords, sealChat } from './keySchedule.js';
import {
  EnvelopeError, bindPublicKey, fromB64, newKeyPair, openGroupKey, openNote, sealGroupKey, sealNote, sodiumReady, toB64, verifyBinding,
} from './keys.js';

const groupKey = new Uint8Array(32).map((_, i) => i);
const frame = new Uint8Array(200).map((_, i) => (i * 7) & 0xff);

beforeAll(async () => {
  await sodiumReady();
});

describe('key schedule (checked against node:crypto HKDF)', () => {
  it('sender key and salt are HKDF-SHA-256(group key, "hearth/e2ee/v1"|epoch, "frame|"+id)', async () => {
    const salt = Buffer.concat([Buffer.from('hearth/e2ee/v1'), Buffer.from([0, 0, 1, 2])]);
    const expected = Buffer.from(hkdfSync('sha256', groupKey, salt, 'frame|peer-A', 28));
    const sk = await deriveSenderKey(groupKey, 0x0102, 'peer-A');
    expect(Buffer.from(sk.salt)).toEqual(expected.subarray(16, 28));
    // The AES key is not extractable; prove it is the first 16 bytes by encrypting with node:crypto.
    const sealed = await sealFrame(sk, 2, 5, frame, 10);
    const iv = Buffer.from(ivFor(sk.salt, 5));
    const aad = sealed.subarray(0, 10 + 3);
    const c = createCipheriv('aes-128-gcm', expected.subarray(0, 16), iv);
    c.setAAD(aad);
    const body = Buffer.concat([c.update(frame.subarray(10)), c.final(), c.getAuthTag()]);
    expect(Buffer.from(sealed.subarray(13))).toEqual(body);
  });

  it('different senders, epochs and group keys give different keys', async () => {
    const a = await deriveSenderKey(groupKey, 1, 'A');
    const b = await deriveSenderKey(groupKey, 1, 'B');
    const c = await deriveSenderKey(groupKey, 2, 'A');
    expect(new Set([a, b, c].map((k) => Buffer.from(k.salt).toString('hex'))).size).toBe(3);
  });
});

describe('frame format', () => {
  it('keeps the codec prefix readable, adds at most 21 bytes, and round-trips', async () => {
    const sk = await deriveSenderKey(groupKey, 7, 'A');
    for (const [ctr, clear] of [[0, 10], [255, 3], [256, 1], [MAX_CTR, 10]] as const) {
      const sealed = await sealFrame(sk, 7, ctr, frame, clear);
      expect(sealed.length - frame.length).toBeLessThanOrEqual(MAX_OVERHEAD);
      expect(MAX_OVERHEAD).toBe(21);
      expect(Buffer.from(sealed.subarray(0, clear))).toEqual(Buffer.from(frame.subarray(0, clear)));
      expect(frameHeader(sealed, clear)).toMatchObject({ kid: 7, ctr });
      expect(await openFrame(sk, sealed, clear)).toEqual(frame);
    }
    expect(Buffer.from((await sealFrame(sk, 7, 1, frame, 10)).subarray(13, 200))).not.toEqual(Buffer.from(frame.subarray(10, 197)));
  });

  it('a wrong key, or any changed byte (prefix, header, body, tag), does not open', async () => {
    const sk = await deriveSenderKey(groupKey, 7, 'A');
    const other = await deriveSenderKey(groupKey, 8, 'A');
    const sealed = await sealFrame(sk, 7, 42, frame, 10);
    expect(await openFrame(other, sealed, 10)).toBeUndefined();
    for (const i of [0, 9, 10, 11, 12, 50, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[i]! ^= 1;
      expect(await openFrame(sk, bad, 10), `byte ${i}`).toBeUndefined();
    }
  });

  it('refuses a counter beyond 3 bytes rather than reuse an IV', async () => {
    const sk = await deriveSenderKey(groupKey, 7, 'A');
    await expect(sealFrame(sk, 7, MAX_CTR + 1, frame, 1)).rejects.toThrow(RangeError);
  });

  it('clear bytes: Opus TOC; VP8 key-frame header or frame tag', () => {
    expect([clearBytes('audio', false), clearBytes('video', true), clearBytes('video', false)]).toEqual([1, 10, 3]);
  });

  it('tiny frames (Opus DTX) still authenticate', async () => {
    const sk = await deriveSenderKey(groupKey, 1, 'A');
    const tiny = new Uint8Array([0xf8]);
    expect(await openFrame(sk, await sealFrame(sk, 1, 3, tiny, 1), 1)).toEqual(tiny);
  });
});

describe('key binding and envelopes', () => {
  it('a public key verifies only with the same session secret and session', () => {
    const { publicKey } = newKeyPair();
    const tag = bindPublicKey('secret-1', 'session-A', publicKey);
    expect(verifyBinding('secret-1', 'session-A', publicKey, tag)).toBe(true);
    expect(verifyBinding('secret-2', 'session-A', publicKey, tag)).toBe(false);
    expect(verifyBinding('secret-1', 'session-B', publicKey, tag)).toBe(false);
    expect(verifyBinding('secret-1', 'session-A', newKeyPair().publicKey, tag)).toBe(false);
    expect(verifyBinding('secret-1', 'session-A', publicKey, fromB64(toB64(tag)))).toBe(true);
  });

  it('an envelope opens for its recipient from its leader, and for nobody else', () => {
    const leader = newKeyPair();
    const ann = newKeyPair();
    const mallory = newKeyPair();
    const msg = { epoch: 9, recipientId: 'ann', leaderId: 'fay', groupKey };
    const { nonce, box } = sealGroupKey(msg, ann.publicKey, leader.privateKey);
    expect(openGroupKey(box, nonce, leader.publicKey, ann.privateKey, { recipientId: 'ann', leaderId: 'fay' })).toEqual({ epoch: 9, groupKey });
    expect(() => openGroupKey(box, nonce, leader.publicKey, mallory.privateKey, { recipientId: 'ann', leaderId: 'fay' })).toThrow(EnvelopeError);
    expect(() => openGroupKey(box, nonce, mallory.publicKey, ann.privateKey, { recipientId: 'ann', leaderId: 'fay' })).toThrow(EnvelopeError);
    expect(() => openGroupKey(box, nonce, leader.publicKey, ann.privateKey, { recipientId: 'ben', leaderId: 'fay' })).toThrow(EnvelopeError);
    const altered = box.slice();
    altered[20]! ^= 0x40;
    expect(() => openGroupKey(altered, nonce, leader.publicKey, ann.privateKey, { recipientId: 'ann', leaderId: 'fay' })).toThrow(EnvelopeError);
  });

  it('private notes open only for the facilitator they were sealed for', () => {
    const ann = newKeyPair();
    const fay = newKeyPair();
    const { nonce, box } = sealNote('I am not feeling safe', fay.publicKey, ann.privateKey);
    expect(openNote(box, nonce, ann.publicKey, fay.privateKey)).toBe('I am not feeling safe');
    expect(openNote(box, nonce, ann.publicKey, newKeyPair().privateKey)).toBeUndefined();
  });
});

describe('chat and safety words', () => {
  it('chat round-trips with the epoch key and fails with another', async () => {
    const k1 = await deriveChatKey(groupKey, 1);
    const k2 = await deriveChatKey(groupKey, 2);
    const { nonce, ciphertext } = await sealChat(k1, 'hello circle');
    expect(await openChat(k1, nonce, ciphertext)).toBe('hello circle');
    expect(await openChat(k2, nonce, ciphertext)).toBeUndefined();
  });

  it('everyone computes the same five words; another key or another member list changes them', async () => {
    const members = [{ id: 'b', publicKey: 'PB' }, { id: 'a', publicKey: 'PA' }];
    const w = await safetyWords(groupKey, 3, members);
    expect(w).toHaveLength(5);
    expect(await safetyWords(groupKey, 3, [...members].reverse())).toEqual(w);
    expect(await safetyWords(new Uint8Array(32), 3, members)).not.toEqual(w);
    expect(await safetyWords(groupKey, 3, [{ id: 'b', publicKey: 'PB' }, { id: 'a', publicKey: 'EVIL' }])).not.toEqual(w);
  });
});
