import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { FuzzTally } from './fuzz.js';
import { bystanders, commandsArb, fuzzOnce } from './fuzzRun.js';
import { startServer } from './server.js';

/** What `npm run bench` (BENCH_ONLY=fuzz) reports of a fuzz run against a real server (mediasoup worker). */
export interface FuzzBenchResult {
  tally: FuzzTally;
  seconds: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  healthy: boolean;
  bystandersWork: boolean;
}

const mb = () => process.memoryUsage().rss / 2 ** 20;

/**
 * `messages` generated messages from every role, 200 per fresh session (one seed per session, so a failing run
 * can be replayed), against one server with a high request limit; then the server's health and the bystanders.
 */
export async function fuzzBench(messages: number, seed = 13): Promise<FuzzBenchResult> {
  const server = await startServer(
    { limits: { connectionsPerAddress: 10_000, connectsPerAddressPerMinute: 100_000 } },
    { rateLimit: { burst: 1_000_000, perSecond: 1_000_000 } },
  );
  const by = await bystanders(server);
  const tally = new FuzzTally();
  const rssBeforeMb = mb();
  const start = performance.now();
  try {
    for (let run = 0; tally.messages < messages && run < messages; run++) {
      const [commands] = fc.sample(commandsArb(200, 200), { numRuns: 1, seed: seed + run });
      await fuzzOnce(server, by.elsewhere, commands!, tally).catch(() => undefined); // faults are in the tally
    }
    const seconds = (performance.now() - start) / 1000;
    const healthy = (await fetch(`${server.url}/healthz`)).ok;
    const c = await by.ben.bot.request('media.consume', { producerId: by.elsewhere.producerId });
    return { tally, seconds, rssBeforeMb, rssAfterMb: mb(), healthy, bystandersWork: c.ok && c.data.peerId === by.ann.selfId };
  } finally {
    by.circle.close();
    await server.close();
  }
}
