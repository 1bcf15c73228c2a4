import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLinkFragment } from '@hearth/shared';
import { fromB64, signingKeyFromSeed, sodiumReady, toB64 } from '@hearth/shared/crypto';
import { startServer, type TestServer } from '../support/server.js';

// The command-line tool a practice uses to create a session, run as a process against a real server.

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../server/src/cli.ts', import.meta.url));
let server: TestServer;

const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, HEARTH_ADMIN_KEY: '', HEARTH_URL: '', ...env } });

beforeAll(async () => {
  await sodiumReady();
  server = await startServer();
});
afterAll(async () => server?.close());

describe('hearth session create', () => {
  it('prints a facilitator link with the signing seed and a member link with only its public half', async () => {
    const { stdout } = await cli(['session', 'create', '--title', 'Tuesday group', '--url', server.url], { HEARTH_ADMIN_KEY: server.app.adminKey });
    const links = [...stdout.matchAll(/http:\/\/\S+/g)].map((m) => new URL(m[0]));
    expect(links).toHaveLength(2);
    const [fac, mem] = links.map((l) => parseLinkFragment(l.hash)!);
    expect(links[0]!.pathname).toBe(links[1]!.pathname);
    expect(fac!.signingSeed).toBeDefined();
    expect(mem!.signingSeed).toBeUndefined();
    expect(mem!.signingPublicKey).toBe(toB64(signingKeyFromSeed(fromB64(fac!.signingSeed!)).publicKey));
    expect(fac!.secret).toBe(mem!.secret);
    expect(server.app.sessions.list().map((s) => s.id)).toContain(links[0]!.pathname.split('/').pop());
    expect(stdout).not.toContain('undefined');
  });

  it('a wrong facilitator key is refused with the typed code and exit status 1', async () => {
    const failed = await cli(['session', 'create', '--title', 'x', '--url', server.url, '--key', 'not-the-key']).catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toContain('NOT_ALLOWED');
  });
});
