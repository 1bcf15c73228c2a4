import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The lint step's boundary rules can fail: each forbidden import is refused, the allowed one next to it is not.
// (Text is linted as if it were a file of that folder; nothing is written.)

const root = fileURLToPath(new URL('../..', import.meta.url));
// Under CI=true typescript-eslint infers a single run and reads files from disk, ignoring the text given here.
process.env.TSESTREE_SINGLE_RUN = 'false';
const eslint = new ESLint({ cwd: root });

async function problems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${path}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('architecture boundaries (eslint)', () => {
  it('a view that imports the signaling client fails the lint step; one that imports a model does not', async () => {
    const bad = `<script lang="ts">\n  import { SignalingClient } from '../connection/SignalingClient.js';\n  const c = SignalingClient;\n</script>\n<p>{String(c)}</p>\n`;
    expect(await problems('client/src/views/Bad.svelte', bad)).toEqual([expect.stringContaining('no-restricted-imports: ')]);
    const good = `<script lang="ts">\n  import type { RoomModel } from '../state/RoomModel.svelte.js';\n  let { room }: { room: RoomModel } = $props();\n</script>\n<p>{room.title}</p>\n`;
    expect(await problems('client/src/views/Good.svelte', good)).toEqual([]);
  });

  it('the session authority never imports mediasoup or the media module', async () => {
    expect(await problems('server/src/room/SerialQueue.ts', `import { MediaRoom } from '../media/MediaRoom.js';\nexport const m = MediaRoom;\n`))
      .toEqual([expect.stringContaining('no-restricted-imports')]);
    expect(await problems('server/src/room/SerialQueue.ts', `import type { types } from 'mediasoup';\nexport type R = types.Router;\n`))
      .toEqual([expect.stringContaining('no-restricted-imports')]);
  });

  it('a domain machine never imports the wire protocol; the vocabulary imports nothing', async () => {
    expect(await problems('shared/src/domain/leader.ts', `import { ClientRequests } from '../protocol/clientToServer.js';\nexport const c = ClientRequests;\n`))
      .toEqual([expect.stringContaining('no-restricted-imports')]);
    expect(await problems('shared/src/vocabulary/errorCodes.ts', `import { ROLE_ACTIONS } from '../domain/permissions.js';\nexport const r = ROLE_ACTIONS;\n`))
      .toEqual([expect.stringContaining('no-restricted-imports')]);
  });

  it('a dropped promise and a console line are refused', async () => {
    const code = `export async function f(): Promise<void> {}\nexport function g(): void {\n  f();\n  console.log('x');\n}\n`;
    const found = await problems('client/src/state/link.ts', code);
    expect(found).toEqual([expect.stringContaining('no-floating-promises'), expect.stringContaining('no-console')]);
  });
});
