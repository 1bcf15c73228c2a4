import { describe, expect, it } from 'vitest';
import { AuditLog } from './AuditLog.js';

describe('AuditLog', () => {
  it('records who did what to whom, when, and keeps at most 500 entries', () => {
    let t = 0;
    const log = new AuditLog(() => new Date(Date.UTC(2026, 10, 23, 10, 0, t++)));
    log.record({ displayName: 'Fay', role: 'facilitator' }, 'muted', 'Ben');
    expect(log.list()).toEqual([{ at: '2026-11-23T10:00:00.000Z', actor: 'Fay (facilitator)', action: 'muted', target: 'Ben' }]);
    for (let i = 0; i < 600; i++) log.record({ displayName: 'Fay', role: 'facilitator' }, `a${i}`);
    expect(log.list()).toHaveLength(500);
    expect(log.list().at(-1)?.action).toBe('a599');
  });
});
