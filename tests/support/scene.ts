import type { Browser, Page } from 'playwright-core';
import { admitFromPanel, arrive, inbound } from './browser.js';
import { sessionLinks } from './links.js';
import { eventually, sleep, type TestServer } from './server.js';

/** Audio packets from `name` arriving at `page` over `ms`; undefined if there is no such stream at all. */
export async function audioPacketsOver(page: Page, name: string, ms: number): Promise<number | undefined> {
  const a = await inbound(page, name, 'audio');
  await sleep(ms);
  const b = await inbound(page, name, 'audio');
  return a && b ? b.packetsReceived - a.packetsReceived : undefined;
}

/**
 * Fay facilitates; Ben and Cal arrive with the member link and Fay admits them from her panel; returns once every
 * page hears the other two (audio packets arriving).
 */
export async function threeInACircle(server: TestServer, browser: Browser) {
  const links = await sessionLinks(server);
  const fay = await arrive(browser, links.facilitator, 'Fay');
  const ben = await arrive(browser, links.member, 'Ben');
  const cal = await arrive(browser, links.member, 'Cal');
  await admitFromPanel(fay, ben, 'Ben');
  await admitFromPanel(fay, cal, 'Cal');
  for (const [page, others] of [[fay, ['Ben', 'Cal']], [ben, ['Fay', 'Cal']], [cal, ['Fay', 'Ben']]] as const) {
    await eventually(async () => (await Promise.all(others.map((o) => audioPacketsOver(page, o, 600)))).every((n) => n !== undefined && n > 2), 30_000, 'everyone heard');
  }
  return { links, fay, ben, cal };
}
