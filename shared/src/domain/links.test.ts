import { describe, expect, it } from 'vitest';
import { newSessionSecret, parseLinkFragment, sessionLink } from './links.js';

const P = 'P'.repeat(43);
const A = 'A'.repeat(43);

describe('session links', () => {
  it('round-trip the invite, secret and signing key through the fragment only', () => {
    const link = sessionLink('https://hearth.example/', 'S3ssion_id-0123456789', { token: 'a.b.c', secret: 'sec-ret_', signingPublicKey: P });
    const url = new URL(link);
    expect(url.pathname).toBe('/s/S3ssion_id-0123456789');
    expect(url.search).toBe('');
    expect(parseLinkFragment(url.hash)).toEqual({ token: 'a.b.c', secret: 'sec-ret_', signingPublicKey: P });
  });

  it('a moderator link also carries the signing seed; a member link does not', () => {
    const mod = new URL(sessionLink('https://h.example', 'S3ssion_id-0123456789', { token: 't.u.v', secret: 's', signingPublicKey: P, signingSeed: A }));
    expect(parseLinkFragment(mod.hash)?.signingSeed).toBe(A);
    const member = new URL(sessionLink('https://h.example', 'S3ssion_id-0123456789', { token: 't.u.v', secret: 's', signingPublicKey: P }));
    expect(parseLinkFragment(member.hash)?.signingSeed).toBeUndefined();
  });

  it('a fragment missing a part, or with a malformed key, is not a link', () => {
    expect(parseLinkFragment('#t=a.b.c')).toBeUndefined();
    expect(parseLinkFragment('#k=x')).toBeUndefined();
    expect(parseLinkFragment('#t=a.b.c&k=x')).toBeUndefined();
    expect(parseLinkFragment(`#t=a.b.c&k=x&p=short`)).toBeUndefined();
    expect(parseLinkFragment(`#t=a.b.c&k=x&p=${P}&a=bad`)).toBeUndefined();
    expect(parseLinkFragment('')).toBeUndefined();
  });

  it('secrets are 43 url-safe characters and differ', () => {
    const a = newSessionSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSessionSecret()).not.toBe(a);
  });
});
