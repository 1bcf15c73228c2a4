import { describe, expect, it } from 'vitest';
import { DoubleEscape } from './shortcut.js';

describe('the quick exit shortcut: Escape twice within a second', () => {
  it.each([
    ['two presses 300 ms apart', [['Escape', 0], ['Escape', 300]], [false, true]],
    ['two presses exactly a second apart', [['Escape', 0], ['Escape', 1000]], [false, true]],
    ['two presses more than a second apart', [['Escape', 0], ['Escape', 1001]], [false, false]],
    ['one stray Escape', [['Escape', 0]], [false]],
    ['another key in between', [['Escape', 0], ['a', 100], ['Escape', 200]], [false, false, false]],
    ['three presses: the third starts over', [['Escape', 0], ['Escape', 100], ['Escape', 200]], [false, true, false]],
    ['a late second press counts as a first', [['Escape', 0], ['Escape', 5000], ['Escape', 5400]], [false, false, true]],
  ] as const)('%s', (_what, presses, expected) => {
    const shortcut = new DoubleEscape();
    expect(presses.map(([key, at]) => shortcut.press(key, at))).toEqual(expected);
  });

  it('the repeats of a held-down Escape do not count', () => {
    const shortcut = new DoubleEscape();
    expect([shortcut.press('Escape', 0), shortcut.press('Escape', 500, true), shortcut.press('Escape', 530, true)]).toEqual([false, false, false]);
    expect(shortcut.press('Escape', 700)).toBe(true);
  });
});
