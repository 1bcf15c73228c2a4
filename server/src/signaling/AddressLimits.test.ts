import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { AddressLimits, remoteAddress } from './AddressLimits.js';

describe('AddressLimits', () => {
  it('forgets an address once it has no socket open and its bucket is full again', () => {
    let t = 0;
    const limits = new AddressLimits({ concurrent: 5, perMinute: 10, now: () => t });
    expect(limits.acquire('a')).toBe(true);
    limits.release('a');
    expect(limits.size).toBe(1); // one token spent: remembered until it is back
    t += 60_000;
    expect(limits.acquire('a')).toBe(true);
    limits.release('a');
    t += 60_000;
    limits.release('a');
    expect(limits.size).toBe(0);
  });

  it('tracks at most maxAddresses: a flood of distinct addresses is refused past it, quiet ones are swept', () => {
    let t = 0;
    const limits = new AddressLimits({ concurrent: 1, perMinute: 1, maxAddresses: 100, now: () => t });
    const taken: boolean[] = [];
    for (let i = 0; i < 300; i++) taken.push(limits.acquire(`10.0.${i >> 8}.${i & 255}`));
    expect(taken.filter(Boolean)).toHaveLength(100);
    expect(limits.size).toBe(100);
    for (let i = 0; i < 100; i++) limits.release(`10.0.${i >> 8}.${i & 255}`);
    t += 60_000;
    expect(limits.acquire('192.0.2.1')).toBe(true);
    expect(limits.size).toBeLessThanOrEqual(100);
  });

  it('a refusal changes nothing: the refused address keeps its count', () => {
    const limits = new AddressLimits({ concurrent: 1, perMinute: 100, now: () => 0 });
    expect(limits.acquire('a')).toBe(true);
    for (let i = 0; i < 10; i++) expect(limits.acquire('a')).toBe(false);
    limits.release('a');
    expect(limits.acquire('a')).toBe(true);
  });
});

describe('remoteAddress', () => {
  const req = (xff?: string | string[]) =>
    ({ socket: { remoteAddress: '127.0.0.1' }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;
  it('is the peer address unless the proxy is trusted, then the last X-Forwarded-For entry', () => {
    expect(remoteAddress(req('10.0.0.1'), false)).toBe('127.0.0.1');
    expect(remoteAddress(req('6.6.6.6, 10.0.0.1'), true)).toBe('10.0.0.1');
    expect(remoteAddress(req(['6.6.6.6', '10.0.0.2']), true)).toBe('10.0.0.2');
    expect(remoteAddress(req(), true)).toBe('127.0.0.1');
    expect(remoteAddress(req('x'.repeat(100)), true)).toBe('127.0.0.1');
  });
});
