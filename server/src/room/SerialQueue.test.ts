import { describe, expect, it } from 'vitest';
import { SerialQueue } from './SerialQueue.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('SerialQueue', () => {
  it('never interleaves tasks and keeps arrival order', async () => {
    const q = new SerialQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name}:start`);
      await tick();
      log.push(`${name}:end`);
      return name;
    };
    const results = await Promise.all([q.push(task('a')), q.push(task('b')), q.push(task('c'))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('a failing task rejects its caller only; the next still runs', async () => {
    const q = new SerialQueue();
    const failed = q.push(() => Promise.reject(new Error('boom')));
    const next = q.push(() => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
