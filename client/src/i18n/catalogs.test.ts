import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { es } from './es.js';
import { enWayIn } from './en.wayin.js';
import { esWayIn } from './es.wayin.js';
import { enVerify } from './en.verify.js';
import { esVerify } from './es.verify.js';

// The type check makes sure every English key has a Spanish one; this, that they say the same things: the same
// placeholders, nothing empty, nothing left in English by mistake.

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const pairs: [string, Record<string, string>, Record<string, string>][] = [['en/es', en, es], ['en.wayin/es.wayin', enWayIn, esWayIn], ['en.verify/es.verify', enVerify, esVerify]];

describe.each(pairs)('%s', (_, source, spanish) => {
  it('has the same keys in both languages', () => {
    expect(Object.keys(spanish).sort()).toEqual(Object.keys(source).sort());
  });

  it('fills the same placeholders in both languages, and leaves no message empty', () => {
    for (const [key, text] of Object.entries(source)) {
      expect(placeholders(spanish[key] ?? ''), key).toEqual(placeholders(text));
      expect(spanish[key]?.trim(), key).not.toBe('');
    }
  });

  it('translates every sentence (a Spanish string equal to the English one is a word both share)', () => {
    const same = Object.keys(source).filter((k) => spanish[k] === source[k] && /\s\w+\s/.test(source[k]!));
    expect(same).toEqual([]);
  });
});
