import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitFromPanel, arrive, frameDifference, inbound, launchChromium, tileNames } from '../support/browser.js';
import { sessionLinks } from '../support/links.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
const NAMES = ['Ann', 'Ben', 'Cal'] as const;
type Name = (typeof NAMES)[number];

let server: TestServer;
let browser: Browser;
const pages = new Map<Name, Page>();
const others = (me: Name) => NAMES.filter((n) => n !== me);

async function growth(page: Page, name: string, kind: 'audio' | 'video', ms: number) {
  const a = await inbound(page, name, kind);
  await sleep(ms);
  const b = await inbound(page, name, kind);
  if (!a || !b) return undefined;
  return {
    packets: b.packetsReceived - a.packetsReceived,
    frames: b.framesDecoded - a.framesDecoded,
    samples: b.totalSamplesReceived - a.totalSamplesReceived,
    energy: b.totalAudioEnergy - a.totalAudioEnergy,
  };
}

beforeAll(async () => {
  if (!fs.existsSync(`${CLIENT_DIR}/index.html`)) throw new Error('client not built: run the build first');
  server = await startServer({ clientDir: CLIENT_DIR });
  browser = await launchChromium();
  // Ann facilitates (in at once); Ben and Cal arrive with the member link and Ann admits them from her panel.
  const links = await sessionLinks(server);
  pages.set('Ann', await arrive(browser, links.facilitator, 'Ann'));
  for (const name of ['Ben', 'Cal'] as const) {
    const page = await arrive(browser, links.member, name);
    pages.set(name, page);
    await admitFromPanel(pages.get('Ann')!, page, name);
  }
  // Everyone sees the two others' tiles with video and audio attached.
  for (const name of NAMES) {
    const page = pages.get(name)!;
    await eventually(
      async () => {
        const stats = await Promise.all(others(name).flatMap((o) => [inbound(page, o, 'video'), inbound(page, o, 'audio')]));
        return stats.every((s) => s !== undefined);
      },
      20_000,
      `${name} to receive both others`,
    );
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('three members in one group, in Chromium', () => {
  it('every page decodes the other two members’ video, matching the fake camera', async () => {
    for (const me of NAMES) {
      for (const other of others(me)) {
        const page = pages.get(me)!;
        const g = await growth(page, other, 'video', 1500);
        expect(g?.frames, `${me} decoding ${other}`).toBeGreaterThan(5);
        const diff = await frameDifference(page, other);
        expect(diff, `${me} drawing ${other}`).toBeDefined();
        expect(diff!.contrast, `${me}: ${other}'s frame has structure, not a flat colour`).toBeGreaterThan(5);
        expect(diff!.mad, `${me}: ${other}'s frame vs the fake camera pattern`).toBeLessThan(25);
      }
    }
  });

  it('every page receives the other two members’ audio with a non-zero level', async () => {
    for (const me of NAMES) {
      for (const other of others(me)) {
        const g = await growth(pages.get(me)!, other, 'audio', 1500);
        expect(g?.samples, `${me} hearing ${other}`).toBeGreaterThan(48_000);
        expect(g?.energy, `${me} hearing ${other}: audio energy`).toBeGreaterThan(0);
      }
    }
  });

  it('muting a microphone stops its audio packets at the others; unmuting restarts them', async () => {
    const ann = pages.get('Ann')!;
    await ann.getByRole('button', { name: 'Mute microphone' }).click();
    await expect.poll(() => ann.getByRole('button', { name: 'Mute microphone' }).getAttribute('aria-pressed')).toBe('true');
    await sleep(500); // packets already in flight
    for (const me of others('Ann')) {
      const g = await growth(pages.get(me)!, 'Ann', 'audio', 1500);
      expect(g?.packets, `${me} still receiving muted Ann`).toBe(0);
    }
    await ann.getByRole('button', { name: 'Mute microphone' }).click();
    await sleep(500);
    for (const me of others('Ann')) {
      const g = await growth(pages.get(me)!, 'Ann', 'audio', 1500);
      expect(g?.packets, `${me} receiving unmuted Ann`).toBeGreaterThan(10);
    }
  });

  it('a member who leaves disappears from the other two within 2 s', async () => {
    const started = Date.now();
    await pages.get('Cal')!.getByRole('button', { name: 'Leave' }).click();
    for (const me of others('Cal')) {
      await eventually(async () => !(await tileNames(pages.get(me)!)).includes('Cal'), 2000, `Cal's tile to leave ${me}'s page`);
    }
    expect(Date.now() - started).toBeLessThan(2000);
    // The two who stay still hear each other.
    const g = await growth(pages.get('Ann')!, 'Ben', 'audio', 1000);
    expect(g?.samples).toBeGreaterThan(0);
  });
});
