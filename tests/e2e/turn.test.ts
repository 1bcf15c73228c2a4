import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitFromPanel, fillPrejoin, inbound, launchChromium, openPage } from '../support/browser.js';
import { sessionLinks } from '../support/links.js';
import { eventually, freePort, startServer, type TestServer } from '../support/server.js';

// coturn from Debian, started here on loopback with the TURN REST secret, and browsers that may only use relayed
// candidates (iceTransportPolicy 'relay'): with the credentials Hearth minted, they reach the SFU through TURN and
// decode each other (issue 12, item 3).

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
const TURNSERVER = '/usr/bin/turnserver';
const COTURN_CONF = fileURLToPath(new URL('../../infra/coturn/turnserver.conf', import.meta.url));
const SECRET = 'coturn-static-auth-secret-for-this-test-0001';
let server: TestServer;
let browser: Browser;
let coturn: ChildProcess | undefined;
let port = 0;

/** A free UDP-and-TCP port number on loopback (asked of the kernel over TCP; coturn listens on both). */
/** One STUN binding request (RFC 5389 header, no attributes) to 127.0.0.1:port: true when anything answers in 300 ms. */
function stunAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
    const done = (answered: boolean) => { clearTimeout(timer); sock.close(); resolve(answered); };
    const timer = setTimeout(() => done(false), 300);
    sock.once('message', () => done(true));
    sock.once('error', () => done(false));
    sock.send(request, port, '127.0.0.1');
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
    // The configuration the self-hosting guide installs (infra/coturn/turnserver.conf), with what it leaves to the
    // operator given here for loopback: addresses, ports, the secret, the realm; no TLS certificate in the test.
    coturn = spawn(TURNSERVER, [
      '-c', COTURN_CONF, '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1',
      '--min-port=49200', '--max-port=49400', `--static-auth-secret=${SECRET}`, '--realm=hearth.test',
      '--allow-loopback-peers', '--no-tls', '--no-dtls', '--log-file=stdout', '--simple-log',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The installed configuration keeps coturn's log off (it names clients' addresses): ready is when it answers STUN.
    await eventually(() => stunAnswers(port), 10_000, 'coturn answering STUN');
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
