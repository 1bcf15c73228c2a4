import { describe, expect, it } from 'vitest';
import { InviteBook, MAX_INVITES_PER_SESSION } from './InviteBook.js';

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

  it('binds at most K new devices per minute per invite: RATE_LIMITED past it, changing nothing; known devices still pass', () => {
    let t = 0;
    const book = new InviteBook(5, () => t);
    for (let i = 0; i < 5; i++) book.use('inv', 50, `dev-${i}`);
    for (let i = 5; i < 20; i++) expect(() => book.use('inv', 50, `dev-${i}`)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    book.use('inv', 50, 'dev-0'); // a reload of a bound device is not a new binding
    expect(book.refusal('other', 50, 'dev-x')).toBeUndefined(); // per invite
    t += 12_000; // a fifth of a minute: one more
    book.use('inv', 50, 'dev-5');
    expect(book.refusal('inv', 50, 'dev-6')).toBe('RATE_LIMITED');
    t += 60_000;
    for (let i = 6; i < 11; i++) book.use('inv', 50, `dev-${i}`);
  });

  it('holds at most MAX_INVITES_PER_SESSION invites: past it INVALID_STATE, and nothing is added', () => {
    const book = new InviteBook();
    for (let i = 0; i < MAX_INVITES_PER_SESSION; i++) book.issue(`inv-${i}`);
    for (let i = 0; i < 50; i++) expect(() => book.issue(`more-${i}`)).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
    expect(book.size).toBe(MAX_INVITES_PER_SESSION);
    expect(() => book.revoke('more-0')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
