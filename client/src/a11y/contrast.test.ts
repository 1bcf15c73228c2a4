import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

// WCAG AA contrast of the palette in client/src/app.css, light and dark: text 4.5:1 on the background it is used
// on; focus rings, borders and the holder's outline (non-text) 3:1. The palette is read from the file itself, so a
// colour changed there is checked here.

const css = fs.readFileSync(new URL('../app.css', import.meta.url), 'utf8');

type Palette = Record<string, string>;

function variables(block: string): Palette {
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\b/g)].map((m) => [m[1]!, m[2]!.toLowerCase()]));
}

const light = variables(/:root\s*\{([^}]*)\}/.exec(css)?.[1] ?? '');
const dark = { ...light, ...variables(/prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}/.exec(css)?.[1] ?? '') };

const channels = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
const linear = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const luminance = (hex: string) => {
  const [r, g, b] = channels(hex).map(linear) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
/** `top` at `alpha` over `under`, as one colour. */
function over(top: string, alpha: number, under: string): string {
  const mix = channels(top).map((c, i) => Math.round((c * alpha + channels(under)[i]! * (1 - alpha)) * 255));
  return `#${mix.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** Text on background, as the views use them (variable names without the dashes). */
const TEXT: [string, string, string][] = [
  ['fg', 'bg', 'body text'],
  ['muted', 'bg', 'hints, badges, own chat lines'],
  ['accent', 'bg', 'errors, danger buttons, links, a poor link, away'],
  ['on-accent', 'accent', 'primary buttons, alarms, the muted badge on tiles'],
  ['bg', 'fg', 'pressed toggle buttons'],
  ['on-tile', 'tile', 'notices, reconnecting, avatars'],
];
/** Non-text: 3:1 against what is next to them. */
const GRAPHICS: [string, string, string][] = [
  ['accent', 'bg', 'focus ring'],
  ['muted', 'bg', 'input and button borders'],
  ['ok', 'bg', 'key status rule; the stick holder’s outline (drawn outside the tile, on the page)'],
];

describe.each([['light', light], ['dark', dark]] as const)('the %s palette', (_, palette) => {
  it('has every colour the pairs name', () => {
    for (const name of ['bg', 'fg', 'muted', 'accent', 'on-accent', 'tile', 'on-tile', 'ok']) expect(palette[name], name).toMatch(/^#/);
  });

  it.each(TEXT)('%s on %s (%s) is at least 4.5:1', (fg, bg) => {
    expect(contrast(palette[fg]!, palette[bg]!)).toBeGreaterThanOrEqual(4.5);
  });

  it.each(GRAPHICS)('%s against %s (%s) is at least 3:1', (fg, bg) => {
    expect(contrast(palette[fg]!, palette[bg]!)).toBeGreaterThanOrEqual(3);
  });

  it('a tile’s name plate (white on 70 % black over the tile) and a reaction (dark on white) are at least 4.5:1', () => {
    expect(contrast('#ffffff', over('#000000', 0.7, palette.tile!))).toBeGreaterThanOrEqual(4.5);
    expect(contrast('#2b2622', '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });
});

it('computes ratios as WCAG does', () => {
  expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
  expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
});
