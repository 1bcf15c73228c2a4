import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitFromPanel, arrive, inbound, launchChromium, type InboundStats } from '../support/browser.js';
import { newDeviceId, ANY_KEY } from '../support/circle.js';
import { FuzzTally } from '../support/fuzz.js';
import { bystanders, commandsArb, fuzzOnce, runCommands, type FuzzSeats } from '../support/fuzzRun.js';
import { sessionLinks } from '../support/links.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { Bot } from '../support/Bot.js';

// A real call keeps flowing while fuzzers hammer the same server: two Chromium pages in a session decode each
// other while sockets send generated messages (tests/support/fuzz.ts) into that session (unjoined and waiting,
// all a stranger with the member link can be) and into other sessions on the server (every role).
const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
const MESSAGES = Number(process.env.HEARTH_FUZZ_RUNS_E2E ?? 4000);

let server: TestServer;
let browser: Browser;
let ann: Page;
let ben: Page;
let links: Awaited<ReturnType<typeof sessionLinks>>;

beforeAll(async () => {
  if (!fs.existsSync(`${CLIENT_DIR}/index.html`)) throw new Error('client not built: run the build first');
  server = await startServer(
    { clientDir: CLIENT_DIR, limits: { connectionsPerAddress: 10_000, connectsPerAddressPerMinute: 100_000 } },
    { rateLimit: { burst: 1_000_000, perSecond: 1_000_000 } },
  );
  browser = await launchChromium();
  links = await sessionLinks(server);
  ann = await arrive(browser, links.facilitator, 'Ann');
  ben = await arrive(browser, links.member, 'Ben');
  await admitFromPanel(ann, ben, 'Ben');
  await eventually(async () => (await flow()).every((s) => s !== undefined && s.framesDecoded + s.totalSamplesReceived > 0), 30_000, 'both pages receiving');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Each page's inbound video and audio from the other. */
function flow(): Promise<(InboundStats | undefined)[]> {
  return Promise.all([inbound(ann, 'Ben', 'video'), inbound(ann, 'Ben', 'audio'), inbound(ben, 'Ann', 'video'), inbound(ben, 'Ann', 'audio')]);
}

/** Frames decoded (video) and RTP packets received (audio: its samples grow even when concealed) between two samples. */
function growth(a: (InboundStats | undefined)[], b: (InboundStats | undefined)[]): number[] {
  return a.map((s, i) => (i % 2 === 0 ? (b[i]?.framesDecoded ?? 0) - (s?.framesDecoded ?? 0) : (b[i]?.packetsReceived ?? 0) - (s?.packetsReceived ?? 0)));
}

/** A stranger in the pages' session: an unjoined socket and one waiting with the member link. */
async function strangerSeats(): Promise<FuzzSeats> {
  const session = server.app.sessions.get(links.session.sessionId)!;
  const ids = session.roster().members.map((m) => m.id);
  const unjoined = await Bot.connect(server.url);
  const waiting = await Bot.connect(server.url);
  const join = await waiting.ok('session.join', {
    sessionId: links.session.sessionId, token: links.session.member.token, displayName: 'Wes', deviceId: newDeviceId(), e2eeKey: ANY_KEY,
  });
  const member = links.session.member.token;
  const values = new Map<string, string>([
    ['$session', links.session.sessionId], ['$memberToken', member], ['$facilitatorToken', member],
    ['$member', ids[0] ?? 'none'], ['$facilitator', ids[1] ?? 'none'], ['$waiting', join.selfId],
  ]);
  return { bots: { unjoined, waiting, member: waiting, cofacilitator: waiting, facilitator: waiting }, values };
}

describe('a call in Chromium while fuzzers hammer the server', () => {
  it(`both pages keep decoding during and after ${MESSAGES} generated messages, all answered ok or typed`, async () => {
    const by = await bystanders(server);
    const tally = new FuzzTally();
    const before = await flow();
    const sameSession = async (seed: number) => {
      const seats = await strangerSeats();
      const [commands] = fc.sample(commandsArb(MESSAGES / 4, MESSAGES / 4), { numRuns: 1, seed });
      const mine = commands!.map((c) => ({ ...c, role: c.role === 'unjoined' ? c.role : ('waiting' as const) }));
      const fault = await runCommands(seats, mine, tally, 10_000);
      seats.bots.unjoined.close();
      seats.bots.waiting.close();
      return fault;
    };
    const otherSessions = async (seed: number) => {
      for (let run = 0; tally.messages < MESSAGES && run < MESSAGES; run++) {
        const [commands] = fc.sample(commandsArb(100, 100), { numRuns: 1, seed: seed + run });
        await fuzzOnce(server, by.elsewhere, commands!, tally);
      }
    };
    const samples = [before];
    let done = false;
    const fuzz = Promise.all([sameSession(1), sameSession(2), otherSessions(100), otherSessions(200)]).finally(() => (done = true));
    let whileFuzzing = 0;
    for (let i = 0; i < 400 && !done; i++) {
      await Promise.race([sleep(700), fuzz]);
      if (!done) whileFuzzing++;
      samples.push(await flow());
    }
    const [faultA, faultB] = await fuzz;
    await sleep(3000);
    samples.push(await flow());
    expect([faultA, faultB]).toEqual([undefined, undefined]);
    expect(tally.faults).toEqual([]);
    expect(tally.messages).toBeGreaterThanOrEqual(MESSAGES);
    // Every window, during the fuzz and the 3 s after it, saw new video frames and audio samples on both pages.
    expect(whileFuzzing).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < samples.length; i++) {
      const grew = growth(samples[i - 1]!, samples[i]!);
      expect(grew.every((g) => g > 0), `window ${i} of ${samples.length - 1}: ${grew.join(', ')} (video frames, audio packets)`).toBe(true);
    }
    expect((await fetch(`${server.url}/healthz`)).ok).toBe(true);
    by.circle.close();
  }, 240_000);
});
