import { createCipheriv, createHash, createHmac, createPrivateKey, hkdfSync, sign as nodeSign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_CTR, MAX_OVERHEAD, clearBytes, frameHeader, ivFor, openFrame, sealFrame } from './frame.js';
import { SAFETY_WORD_COUNT, ackTag, deriveChatKey, deriveSenderKey, openChat, safetyWords, sealChat } from './keySchedule.js';
import { certificateMessage, memberIdFor, signCertificate, signRevocation, signingKeyFromSeed, verifyCertificate, verifyRevocation } from './membership.js';
import { SAFETY_WORDS } from './words.js';

const SAFETY_VECTOR = 'meadow bamboo rain sierra magnet amber moss cider';
const CERT_VECTOR = 'KH4O4Byvhdizl8XrDIVfPX3Bm28bbI7JLYg-lN0-FnVFwj4yuT46l3G9gHBFEHcggfAg92vioQGvqXyhfitCAg';
import {
  EnvelopeError, bindPublicKey, fromB64, newKeyPair, sideKey, openGroupKey, openNote, sealGroupKey, sealNote, sodiumReady, toB64, verifyBinding,
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

describe('side room key', () => {
  it('the pair derive the same key, a third key pair and another room do not', () => {
    const fay = newKeyPair();
    const ann = newKeyPair();
    const ben = newKeyPair();
    const k = sideKey('room-1', 'fay', 'ann', ann.publicKey, fay.privateKey);
    expect(toB64(sideKey('room-1', 'ann', 'fay', fay.publicKey, ann.privateKey))).toBe(toB64(k));
    expect(k).toHaveLength(32);
    expect(toB64(sideKey('room-1', 'ben', 'fay', fay.publicKey, ben.privateKey))).not.toBe(toB64(k));
    expect(toB64(sideKey('room-1', 'fay', 'ann', ben.publicKey, fay.privateKey))).not.toBe(toB64(k));
    expect(toB64(sideKey('room-2', 'fay', 'ann', ann.publicKey, fay.privateKey))).not.toBe(toB64(k));
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
    const wordsKey = new Uint8Array(32).fill(5);
    const msg = { epoch: 9, recipientId: 'ann', leaderId: 'fay', groupKey, wordsKey };
    const { nonce, box } = sealGroupKey(msg, ann.publicKey, leader.privateKey);
    expect(openGroupKey(box, nonce, leader.publicKey, ann.privateKey, { recipientId: 'ann', leaderId: 'fay' })).toEqual({ epoch: 9, groupKey, wordsKey });
    expect(() => openGroupKey(box, nonce, leader.publicKey, mallory.privateKey, { recipientId: 'ann', leaderId: 'fay' })).toThrow(EnvelopeError);
    expect(() => openGroupKey(box, nonce, mallory.publicKey, ann.privateKey, { recipientId: 'ann', leaderId: 'fay' })).toThrow(EnvelopeError);
    expect(() => openGroupKey(box, nonce, leader.publicKey, ann.privateKey, { recipientId: 'ben', leaderId: 'fay' })).toThrow(EnvelopeError);
    const altered = box.slice();
    altered[20]! ^= 0x40;
    expect(() => openGroupKey(altered, nonce, leader.publicKey, ann.privateKey, { recipientId: 'ann', leaderId: 'fay' })).toThrow(EnvelopeError);
  });

  it('private notes open only for the facilitator and sender they were sealed between, never as an envelope', () => {
    const ann = newKeyPair();
    const fay = newKeyPair();
    const parties = { fromId: 'ann', toId: 'fay' };
    const { nonce, box } = sealNote('I am not feeling safe', parties, fay.publicKey, ann.privateKey);
    expect(openNote(box, nonce, parties, ann.publicKey, fay.privateKey)).toBe('I am not feeling safe');
    expect(openNote(box, nonce, parties, ann.publicKey, newKeyPair().privateKey)).toBeUndefined();
    expect(openNote(box, nonce, { fromId: 'cal', toId: 'fay' }, ann.publicKey, fay.privateKey)).toBeUndefined();
    expect(() => openGroupKey(box, nonce, ann.publicKey, fay.privateKey, { recipientId: 'fay', leaderId: 'ann' })).toThrow(EnvelopeError);
  });
});


const chatKeyBytes = (epoch: number) =>
  Buffer.from(hkdfSync('sha256', groupKey, Buffer.concat([Buffer.from('hearth/e2ee/v1'), Buffer.from([0, 0, 0, epoch])]), 'chat', 32));

describe('chat v2 (checked against node:crypto AES-256-GCM)', () => {
  it('the sender id and epoch are authenticated data and the counter travels inside', async () => {
    const nonce = Buffer.alloc(12, 7);
    const c = createCipheriv('aes-256-gcm', chatKeyBytes(3), nonce);
    c.setAAD(Buffer.from('hearth/chat/v2|3|ann'));
    const ciphertext = Buffer.concat([c.update(Buffer.concat([Buffer.from([0, 0, 0, 9]), Buffer.from('hi all')])), c.final(), c.getAuthTag()]);
    const key = await deriveChatKey(groupKey, 3);
    expect(await openChat(key, { epoch: 3, senderId: 'ann' }, nonce, ciphertext)).toEqual({ counter: 9, text: 'hi all' });
    expect(await openChat(key, { epoch: 3, senderId: 'ben' }, nonce, ciphertext)).toBeUndefined();
    expect(await openChat(key, { epoch: 4, senderId: 'ann' }, nonce, ciphertext)).toBeUndefined();
  });

  it('round-trips; another epoch key does not open it', async () => {
    const k1 = await deriveChatKey(groupKey, 1);
    const { nonce, ciphertext } = await sealChat(k1, { epoch: 1, senderId: 'a', counter: 5 }, 'hello circle');
    expect(await openChat(k1, { epoch: 1, senderId: 'a' }, nonce, ciphertext)).toEqual({ counter: 5, text: 'hello circle' });
    expect(await openChat(await deriveChatKey(groupKey, 2), { epoch: 1, senderId: 'a' }, nonce, ciphertext)).toBeUndefined();
  });

  it('an acknowledgement tag is HMAC-SHA-256 under HKDF(group key, epoch, "ack")', async () => {
    const ackKey = hkdfSync('sha256', groupKey, Buffer.concat([Buffer.from('hearth/e2ee/v1'), Buffer.from([0, 0, 0, 4])]), 'ack', 32);
    const expected = createHmac('sha256', Buffer.from(ackKey)).update('hearth/ack/v1|4|ann').digest();
    expect(Buffer.from(await ackTag(groupKey, 4, 'ann'))).toEqual(expected);
    expect(Buffer.from(await ackTag(groupKey, 5, 'ann'))).not.toEqual(expected);
  });
});

describe('safety words v2', () => {
  const members = [{ id: 'f1', role: 'facilitator', publicKey: 'PF' }, { id: 'a1', role: 'member', publicKey: 'PA' }];

  it('are SHA-256("hearth/safety/v2|" ‖ words key ‖ id:role:key list), 8 words (64 bits)', async () => {
    const digest = createHash('sha256').update(Buffer.concat([Buffer.from('hearth/safety/v2|'), Buffer.from(groupKey), Buffer.from('f1:facilitator:PF|a1:member:PA')])).digest();
    const w = await safetyWords(groupKey, members);
    expect(w).toHaveLength(SAFETY_WORD_COUNT);
    expect(w).toEqual([...digest.subarray(0, 8)].map((b) => SAFETY_WORDS[b]));
    // Known-answer vector (words key 00..1f, the two members above), pinned so the format cannot drift.
    expect(w.join(' ')).toBe(SAFETY_VECTOR);
  });

  it('another key, another role, another key or another order changes them', async () => {
    const w = await safetyWords(groupKey, members);
    expect(await safetyWords(new Uint8Array(32), members)).not.toEqual(w);
    expect(await safetyWords(groupKey, [{ ...members[0]!, role: 'member' }, members[1]!])).not.toEqual(w);
    expect(await safetyWords(groupKey, [members[0]!, { ...members[1]!, publicKey: 'EVIL' }])).not.toEqual(w);
    expect(await safetyWords(groupKey, [...members].reverse())).not.toEqual(w);
  });
});

describe('signed membership (Ed25519, checked against node:crypto)', () => {
  const seed = new Uint8Array(32).map((_, i) => i);
  const claim = () => ({ sessionId: 'S3ssion_id-0123456789', memberId: 'mem-1', role: 'member', publicKey: new Uint8Array(32).fill(9) });
  const nodeKey = () => {
    const { publicKey } = signingKeyFromSeed(seed);
    return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(seed).toString('base64url'), x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  };

  it('a certificate is Ed25519 over "hearth/member/v1|session|id|role|" ‖ public key', () => {
    const { secretKey, publicKey } = signingKeyFromSeed(seed);
    const message = Buffer.concat([Buffer.from('hearth/member/v1|S3ssion_id-0123456789|mem-1|member|'), Buffer.alloc(32, 9)]);
    expect(Buffer.from(certificateMessage(claim()))).toEqual(message);
    const cert = signCertificate(secretKey, claim());
    expect(Buffer.from(cert)).toEqual(nodeSign(null, message, nodeKey()));
    expect(toB64(cert)).toBe(CERT_VECTOR);
    expect(verifyCertificate(publicKey, cert, claim())).toBe(true);
  });

  it('does not verify for another id, role, key, session or signing key; a revocation is not a certificate', () => {
    const { secretKey, publicKey } = signingKeyFromSeed(seed);
    const cert = signCertificate(secretKey, claim());
    expect(verifyCertificate(publicKey, cert, { ...claim(), memberId: 'mem-2' })).toBe(false);
    expect(verifyCertificate(publicKey, cert, { ...claim(), role: 'facilitator' })).toBe(false);
    expect(verifyCertificate(publicKey, cert, { ...claim(), publicKey: new Uint8Array(32).fill(8) })).toBe(false);
    expect(verifyCertificate(publicKey, cert, { ...claim(), sessionId: 'other-session-012345' })).toBe(false);
    expect(verifyCertificate(signingKeyFromSeed(new Uint8Array(32).fill(1)).publicKey, cert, claim())).toBe(false);
    const revocation = signRevocation(secretKey, claim());
    expect(verifyRevocation(publicKey, revocation, claim())).toBe(true);
    expect(verifyCertificate(publicKey, revocation, claim())).toBe(false);
    expect(verifyRevocation(publicKey, cert, claim())).toBe(false);
  });

  it('a member id is the same for a device in a session, and differs across sessions and devices', () => {
    const id = memberIdFor('session-A-0123456789', 'device-0123456789abcdef');
    expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(memberIdFor('session-A-0123456789', 'device-0123456789abcdef')).toBe(id);
    expect(memberIdFor('session-B-0123456789', 'device-0123456789abcdef')).not.toBe(id);
    expect(memberIdFor('session-A-0123456789', 'device-x123456789abcdef')).not.toBe(id);
  });
});


