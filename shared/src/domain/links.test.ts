import { describe, expect, it } from 'vitest';
import { newSessionSecret, parseLinkFragment, sessionLink } from './links.js';

describe('session links', () => {
  it('round-trip the invite and secret through the fragment only', () => {
    const link = sessionLink('https://hearth.example/', 'S3ssion_id-0123456789', 'a.b.c', 'sec-ret_');
    const url = new URL(link);
    expect(url.pathname).toBe('/s/S3ssion_id-0123456789');
    expect(url.search).toBe('');
    expect(parseLinkFragment(url.hash)).toEqual({ token: 'a.b.c', secret: 'sec-ret_' });
  });

  it('a fragment missing either part is not a link', () => {
    expect(parseLinkFragment('#t=a.b.c')).toBeUndefined();
    expect(parseLinkFragment('#k=x')).toBeUndefined();
    expect(parseLinkFragment('')).toBeUndefined();
  });

  it('secrets are 43 url-safe characters and differ', () => {
    const a = newSessionSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSessionSecret()).not.toBe(a);
  });
});
