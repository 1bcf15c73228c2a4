import { parseArgs } from 'node:util';
import { readCreateSession, type CreateSessionRequest } from '@hearth/shared';
import { linksFor, newSessionKeys, sodiumReady } from '@hearth/shared/crypto';
import { cliDefaults } from './config/env.js';
import { verifyServer } from './verifyCommand.js';

const USAGE = `usage: hearth session create --title TITLE [--peer-led] [--url http://localhost:8080] [--key KEY]
       hearth verify --url https://hearth.example.org [--manifest client/dist/release.json]

Creates a session on a running Hearth server and prints its two links: one for the facilitator (or the
secretary of a peer-led group) and one to send to members. The key is the server's facilitator key
(HEARTH_ADMIN_KEY, or a file holding it named by
HEARTH_ADMIN_KEY_FILE, or the one the server showed at start). The secret after '#' in each link is made here
and never sent to the server, and so is the session signing key: only its public half is sent (the server checks
membership certificates with it); its seed goes into the facilitator's link only.

'verify' fetches every file a build made here lists (its release.json) from a running server and says whether each
is served exactly as built (docs/verify.md). Exit status 0 when all match, 1 when any differs.`;

async function main(argv: string[]): Promise<number> {
  const defaults = cliDefaults();
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      title: { type: 'string' },
      'peer-led': { type: 'boolean', default: false },
      url: { type: 'string', default: defaults.url },
      key: { type: 'string', default: defaults.adminKey },
      manifest: { type: 'string', default: 'client/dist/release.json' },
      help: { type: 'boolean', default: false },
    },
  });
  if (!values.help && positionals.join(' ') === 'verify') {
    const result = await verifyServer(values.url, values.manifest);
    process.stdout.write(`${result.lines.join('\n')}\n`);
    return result.ok ? 0 : 1;
  }
  if (values.help || positionals.join(' ') !== 'session create' || !values.title || !values.key) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  await sodiumReady();
  const keys = newSessionKeys();
  const request: CreateSessionRequest = { title: values.title, kind: values['peer-led'] ? 'peer' : 'clinical', signingKey: keys.signingPublicKey };
  const res = await fetch(new URL('/api/sessions', values.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${values.key}` },
    body: JSON.stringify(request),
  });
  const answer = readCreateSession(await res.json().catch(() => undefined));
  if (!('created' in answer)) {
    process.stderr.write(`could not create the session: ${'refused' in answer ? answer.refused : `${res.status} ${answer.problem}`}\n`);
    return 1;
  }
  const links = linksFor(values.url, answer.created, keys);
  const who = values['peer-led'] ? 'secretary' : 'facilitator';
  process.stdout.write(`Session "${values.title}" created. Links valid until ${answer.created.facilitator.expiresAt}.

  For the ${who} (keep it to yourself):
    ${links.facilitator}

  For members (send it privately to the people you invite):
    ${links.member}
`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`hearth: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
