import { describe, expect, it } from 'vitest';
import { SpeakerSelection } from './SpeakerSelection.js';

const set = (heard: 'all' | ReadonlySet<string>) => (heard === 'all' ? 'all' : [...heard].sort());

describe('SpeakerSelection: whom an audio-only member hears on the open floor', () => {
  const fay = new Set(['fay']);

  it('hears everyone while there are no more members than it keeps', () => {
    const s = new SpeakerSelection(3);
    expect(set(s.heard(['fay', 'ann', 'ben', 'cal'], fay))).toBe('all');
  });

  it('beyond that, the moderators and the last dominant speakers only', () => {
    const s = new SpeakerSelection(2);
    const mics = ['fay', 'ann', 'ben', 'cal', 'dan'];
    expect(set(s.heard(mics, fay))).toEqual(['fay']); // nobody has spoken yet
    for (const p of ['ann', 'ben', 'cal']) s.dominant(p);
    expect(set(s.heard(mics, fay))).toEqual(['ben', 'cal', 'fay']);
    s.dominant('ann');
    expect(set(s.heard(mics, fay))).toEqual(['ann', 'cal', 'fay']);
  });

  it('a moderator speaking takes nobody’s place', () => {
    const s = new SpeakerSelection(2);
    const mics = ['fay', 'ann', 'ben', 'cal'];
    s.dominant('ann');
    s.dominant('ben');
    expect(s.dominant('fay')).toBe(true);
    expect(set(s.heard(mics, fay))).toEqual(['ann', 'ben', 'fay']);
  });

  it('the same dominant speaker again changes nothing; someone who left, or has no microphone, is not counted', () => {
    const s = new SpeakerSelection(1);
    s.dominant('ann');
    expect(s.dominant('ann')).toBe(false);
    s.dominant('ben');
    expect(set(s.heard(['fay', 'ann', 'ben', 'cal'], fay))).toEqual(['ben', 'fay']);
    s.forget('ben');
    expect(set(s.heard(['fay', 'ann', 'cal'], fay))).toEqual(['ann', 'fay']);
    expect(set(s.heard(['fay', 'cal', 'dan'], fay))).toEqual(['fay']);
  });
});
