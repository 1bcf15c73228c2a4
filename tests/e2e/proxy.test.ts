import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitFromPanel, CHROMIUM, CHROMIUM_ARGS, fillPrejoin, frameDifference, inbound, launchChromium, openPage } from '../support/browser.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { CADDY, CADDYFILE, makeLocalCertificate, OPENSSL, startCaddy, type LocalCertificate, type RunningCaddy } from '../support/tlsProxy.js';

// The reverse proxy as the self-hosting guide configures it (issue 12): Debian's Caddy with infra/caddy/Caddyfile
// and a certificate from files, made here for localhost by a throwaway CA. A Chromium that trusts exactly that
// certificate's key creates a session on the host page and a facilitator and a member join over https and decode
// each other; a Chromium that does not trust it cannot even load the page, so TLS is in the path. The media goes
// straight to mediasoup's port on loopback, not through the proxy.

const CLIENT_DIR = fileURLToPath(new URL('../../client/dist', import.meta.url));
let cert: LocalCertificate;
let server: TestServer;
let caddy: RunningCaddy;
let trusting: Browser;

/** GET through the proxy with Node, trusting the test CA (and only it). */
function head(url: string, ca: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout: 10_000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/** The host page over https creates a session; its two links, as the facilitator would copy them. */
async function createOnHostPage(browser: Browser, origin: string, adminKey: string): Promise<{ facilitator: string; member: string }> {
  const page = await openPage(browser, `${origin}/host#key=${adminKey}`);
  await page.getByLabel('Session title (members see it)').fill('Thursday group');
  await page.getByRole('button', { name: 'Create session' }).click();
  await expect.poll(() => page.locator('#mem-link').inputValue(), { timeout: 15_000 }).toMatch(/\/s\/[\w-]+#/);
  const links = { facilitator: await page.locator('#fac-link').inputValue(), member: await page.locator('#mem-link').inputValue() };
  await page.context().close();
  return links;
}

const ready = fs.existsSync(CADDY) && fs.existsSync(OPENSSL);

/** Caddy's own reading of the guide's Caddyfile under an environment (its JSON, or its error). */
function adapt(env: Record<string, string>): { ok: boolean; json: string; error: string } {
  const r = spawnSync(CADDY, ['adapt', '--config', CADDYFILE, '--adapter', 'caddyfile'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8', timeout: 30_000,
  });
  return { ok: r.status === 0, json: r.stdout, error: r.stderr };
}

describe.skipIf(!fs.existsSync(CADDY))('the guide\'s Caddyfile as Caddy reads it', () => {
  it('by default: automatic HTTPS for the domain, to hearth:8080, HSTS, no admin endpoint, no access or error log', () => {
    const r = adapt({ HEARTH_DOMAIN: 'groups.example.org' });
    expect(r.ok, r.error).toBe(true);
    const config = JSON.parse(r.json) as { admin?: { disabled?: boolean }; logging?: unknown; apps: { http: { servers: Record<string, unknown> }; tls?: unknown } };
    expect(config.admin?.disabled).toBe(true);
    expect(config.apps.tls).toBeUndefined(); // no certificate files: Caddy's automatic HTTPS manages it
    const servers = JSON.stringify(config.apps.http.servers);
    expect(servers).toContain('"host":["groups.example.org"]');
    expect(servers).toContain('"dial":"hearth:8080"');
    expect(servers).toContain('"Strict-Transport-Security":["max-age=31536000"]');
    expect(servers).not.toMatch(/"logs"|automatic_https/); // no access log; automatic HTTPS not switched off
    expect(JSON.stringify(config.logging)).toContain('"exclude":["http.log.error"]');
  });

  it('refuses to start without a domain, with an unknown TLS mode, or with files but no paths', () => {
    expect(adapt({}).ok).toBe(false);
    expect(adapt({ HEARTH_DOMAIN: 'groups.example.org', HEARTH_TLS: 'none' }).ok).toBe(false);
    expect(adapt({ HEARTH_DOMAIN: 'groups.example.org', HEARTH_TLS: 'files' }).ok).toBe(false);
  });
});

describe.skipIf(!ready)('through Caddy with a locally made certificate', () => {
  beforeAll(async () => {
    if (!fs.existsSync(`${CLIENT_DIR}/index.html`)) throw new Error('client not built: run the build first');
    cert = makeLocalCertificate();
    server = await startServer({ clientDir: CLIENT_DIR });
    caddy = await startCaddy(cert, new URL(server.url).host);
    // Trusts this one leaf key and nothing else (Chromium's own flag; the profile is playwright's throwaway one).
    trusting = await chromium.launch({
      executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${cert.spkiSha256}`],
    });
  });

  afterAll(async () => {
    await trusting?.close();
    await caddy?.stop();
    await server?.close();
  });

  it('serves Hearth over https with the certificate from files and adds HSTS', async () => {
    const res = await head(`${caddy.origin}/`, cert.caPem);
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    // Hearth's own headers pass through untouched.
    expect(res.headers['content-security-policy']).toBeDefined();
    // Without the test CA, Node refuses the certificate too.
    await expect(head(`${caddy.origin}/`, '')).rejects.toThrow(/certificate|self.signed|verify/i);
  });

  it('a browser that does not trust the certificate cannot load the page', async () => {
    const untrusting = await launchChromium();
    try {
      const page = await untrusting.newPage();
      await expect(page.goto(`${caddy.origin}/`, { timeout: 15_000 })).rejects.toThrow(/ERR_CERT/);
    } finally {
      await untrusting.close();
    }
  });

  it('a facilitator and a member join over https and decode each other’s video and audio', async () => {
    const links = await createOnHostPage(trusting, caddy.origin, server.app.adminKey);
    expect(links.facilitator.startsWith(`${caddy.origin}/s/`)).toBe(true);
    expect(links.member.startsWith(`${caddy.origin}/s/`)).toBe(true);
    const fay = await openPage(trusting, links.facilitator);
    await fillPrejoin(fay, 'Fay');
    await fay.getByRole('button', { name: 'Join' }).click();
    const ann = await openPage(trusting, links.member);
    await fillPrejoin(ann, 'Ann');
    await ann.getByRole('button', { name: 'Join' }).click();
    await admitFromPanel(fay, ann, 'Ann');
    for (const [page, other] of [[fay, 'Ann'], [ann, 'Fay']] as [Page, string][]) {
      expect(page.url().startsWith(`${caddy.origin}/`)).toBe(true);
      await eventually(async () => ((await inbound(page, other, 'video'))?.framesDecoded ?? 0) > 10, 30_000, `${other}'s video decoded`);
      await eventually(async () => ((await inbound(page, other, 'audio'))?.totalAudioEnergy ?? 0) > 0, 15_000, `${other}'s audio heard`);
      const diff = await frameDifference(page, other);
      expect(diff!.contrast, `${other}'s frame has structure`).toBeGreaterThan(5);
      expect(diff!.mad, `${other}'s frame vs the fake camera pattern`).toBeLessThan(25);
    }
    // Caddy wrote no access log: neither the session's path nor a client address appears in what it printed.
    const sessionPath = new URL(links.member).pathname;
    expect(caddy.output()).not.toContain(sessionPath);
    expect(caddy.output()).not.toMatch(/remote_ip|remote_addr|"client_ip"/);
  });
});
