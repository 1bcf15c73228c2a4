import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitFromPanel, fillPrejoin, inbound, launchChromium, openPage } from '../support/browser.js';
import { sessionLinks } from '../support/links.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

// coturn from Debian, started here on loopback with the TURN REST secret, and browsers that may only use relayed
// candidates (iceTransportPolicy 'relay'): with the credentials Hearth minted, they reach the SFU through TURN and
// decode each other (issue 12, item 3).

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
const TURNSERVER = '/usr/bin/turnserver';
const SECRET = 'coturn-static-auth-secret-for-this-test-0001';
let server: TestServer;
let browser: Browser;
let coturn: ChildProcess | undefined;
let port = 0;

/** A free UDP-and-TCP port number on loopback (asked of the kernel over TCP; coturn listens on both). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

/** Every peer connection of the page may only use relayed (TURN) candidates. */
const RELAY_ONLY = `(() => {
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(config, ...rest) { super({ ...(config || {}), iceTransportPolicy: 'relay' }, ...rest); }
  };
})();`;

const relayOnly = async (page: Page): Promise<void> => void (await page.addInitScript(RELAY_ONLY));

/** The local candidate type of the page's connected pairs. */
const selectedTypes = (page: Page) => page.evaluate(async () => {
  const types: string[] = [];
  for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
    const stats = await pc.getStats();
    stats.forEach((s: { type: string; state?: string; nominated?: boolean; localCandidateId?: string }) => {
      if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated) {
        const local = stats.get(s.localCandidateId!) as { candidateType?: string } | undefined;
        types.push(local?.candidateType ?? '?');
      }
    });
  }
  return types;
});

describe.skipIf(!fs.existsSync(TURNSERVER))('through coturn, relay only', () => {
  beforeAll(async () => {
    port = await freePort();
    coturn = spawn(TURNSERVER, [
      '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1', '--min-port=49200', '--max-port=49400',
      '--use-auth-secret', `--static-auth-secret=${SECRET}`, '--realm=hearth.test', '--fingerprint',
      '--allow-loopback-peers', '--no-tls', '--no-dtls', '--no-cli', '--log-file=stdout', '--simple-log',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    coturn.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    // coturn prints its thread count once its listeners and relay threads are up.
    await eventually(() => log.includes('Total General servers'), 10_000, 'coturn listening');
    server = await startServer({ clientDir: CLIENT_DIR, turn: { urls: [`turn:127.0.0.1:${port}?transport=udp`], secret: SECRET } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    coturn?.kill('SIGTERM');
  });

  it('a facilitator and a member who may only relay join with the minted credentials and decode each other', async () => {
    const links = await sessionLinks(server);
    const fay = await openPage(browser, links.facilitator, relayOnly);
    await fillPrejoin(fay, 'Fay');
    await fay.getByRole('button', { name: 'Join' }).click();
    const ann = await openPage(browser, links.member, relayOnly);
    await fillPrejoin(ann, 'Ann');
    await ann.getByRole('button', { name: 'Join' }).click();
    await admitFromPanel(fay, ann, 'Ann');
    for (const [page, other] of [[fay, 'Ann'], [ann, 'Fay']] as const) {
      await eventually(async () => ((await inbound(page, other, 'video'))?.framesDecoded ?? 0) > 10, 30_000, `${other}'s video decoded`);
      await eventually(async () => ((await inbound(page, other, 'audio'))?.totalAudioEnergy ?? 0) > 0, 15_000, `${other}'s audio heard`);
    }
    for (const page of [fay, ann]) {
      const types = await selectedTypes(page);
      expect(types.length).toBeGreaterThan(0);
      expect(new Set(types)).toEqual(new Set(['relay']));
    }
  });
});
