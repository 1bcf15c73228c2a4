import { describe, expect, it } from 'vitest';
import { InviteBook } from './InviteBook.js';

describe('InviteBook', () => {
  it('counts devices, not arrivals: the same device may come back, a new one over the limit may not', () => {
    const book = new InviteBook();
    book.use('inv', 2, 'dev-a');
    book.use('inv', 2, 'dev-a');
    book.use('inv', 2, 'dev-b');
    expect(() => book.use('inv', 2, 'dev-c')).toThrow(expect.objectContaining({ code: 'TOKEN_USED_UP' }));
    book.use('inv', 2, 'dev-b');
    book.use('other', 1, 'dev-c');
  });

  it('a revoked invite lets nobody in, not even a device that used it before', () => {
    const book = new InviteBook();
    book.issue('inv');
    book.use('inv', 5, 'dev-a');
    book.revoke('inv');
    expect(() => book.use('inv', 5, 'dev-a')).toThrow(expect.objectContaining({ code: 'TOKEN_REVOKED' }));
    expect(() => book.use('inv', 5, 'dev-b')).toThrow(expect.objectContaining({ code: 'TOKEN_REVOKED' }));
  });

  it('revokes only invites issued for this session', () => {
    const book = new InviteBook();
    expect(() => book.revoke('elsewhere')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(book.isRevoked('elsewhere')).toBe(false);
  });

  it('a released use lets another device in', () => {
    const book = new InviteBook();
    book.use('inv', 1, 'dev-a');
    expect(() => book.use('inv', 1, 'dev-b')).toThrow(expect.objectContaining({ code: 'TOKEN_USED_UP' }));
    book.release('inv', 'dev-a');
    book.use('inv', 1, 'dev-b');
  });
});
