import { parseArgs } from 'node:util';
import { newSessionSecret, sessionLink } from '@hearth/shared';
import { newSigningSeed, signingKeyFromSeed, sodiumReady, toB64 } from '@hearth/shared/crypto';

const USAGE = `usage: hearth session create --title TITLE [--peer-led] [--url http://localhost:8080] [--key KEY]

Creates a session on a running Hearth server and prints its two links: one for the facilitator (or the
secretary of a peer-led group) and one to send to members. The key is the server's facilitator key
(HEARTH_ADMIN_KEY, or the one the server printed at start). The secret after '#' in each link is made here
and never sent to the server, and so is the session signing key: only its public half is sent (the server checks
membership certificates with it); its seed goes into the facilitator's link only.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      title: { type: 'string' },
      'peer-led': { type: 'boolean', default: false },
      url: { type: 'string', default: process.env.HEARTH_URL ?? 'http://localhost:8080' },
      key: { type: 'string', default: process.env.HEARTH_ADMIN_KEY },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals.join(' ') !== 'session create' || !values.title || !values.key) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  await sodiumReady();
  const seed = newSigningSeed();
  const signingPublicKey = toB64(signingKeyFromSeed(seed).publicKey);
  const res = await fetch(new URL('/api/sessions', values.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${values.key}` },
    body: JSON.stringify({ title: values.title, kind: values['peer-led'] ? 'peer' : 'clinical', signingKey: signingPublicKey }),
  });
  const body = (await res.json()) as {
    ok: boolean; code?: string; sessionId: string; facilitator: { token: string; expiresAt: string }; member: { token: string };
  };
  if (!res.ok || !body.ok) {
    process.stderr.write(`could not create the session: ${body.code ?? res.status}\n`);
    return 1;
  }
  const secret = newSessionSecret();
  const who = values['peer-led'] ? 'secretary' : 'facilitator';
  process.stdout.write(`Session "${values.title}" created. Links valid until ${body.facilitator.expiresAt}.

  For the ${who} (keep it to yourself):
    ${sessionLink(values.url, body.sessionId, { token: body.facilitator.token, secret, signingPublicKey, signingSeed: toB64(seed) })}

  For members (send it privately to the people you invite):
    ${sessionLink(values.url, body.sessionId, { token: body.member.token, secret, signingPublicKey })}
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
