import { describe, expect, it } from 'vitest';
import { RateLimiter } from './RateLimiter.js';

describe('RateLimiter', () => {
  it('allows a burst, then refills at the sustained rate', () => {
    let now = 0;
    const r = new RateLimiter(3, 2, () => now);
    expect([r.take(), r.take(), r.take(), r.take()]).toEqual([true, true, true, false]);
    now = 499;
    expect(r.take()).toBe(false);
    now = 500;
    expect(r.take()).toBe(true);
    now = 100_000;
    expect([r.take(), r.take(), r.take(), r.take()]).toEqual([true, true, true, false]);
  });
});
