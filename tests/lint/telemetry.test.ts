import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Dev tooling phones home too: Turborepo collects "completely anonymous telemetry" unless told not to (issue 12).
// Every way the project runs turbo must run it with telemetry off, asked of turbo itself.

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (p: string) => fs.readFileSync(`${root}/${p}`, 'utf8');
/** What turbo says of its telemetry when run with this environment (HOME kept: that is where turbo keeps its own opt-in). */
function telemetryStatus(env: NodeJS.ProcessEnv): string {
  return execFileSync('npx', ['turbo', 'telemetry', 'status'], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
}
const withoutTelemetryVars = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.TURBO_TELEMETRY_DISABLED;
  delete env.DO_NOT_TRACK;
  return env;
};

describe('no telemetry from the build tools', () => {
  it('the environment of scripts/hearth.sh and .ci/run turns turbo\'s telemetry off', () => {
    const env = withoutTelemetryVars();
    for (const line of read('scripts/env.sh').split('\n')) {
      const m = /^export (\w+)=(\S+)$/.exec(line.trim());
      if (m) env[m[1]!] = m[2]!;
    }
    expect(telemetryStatus(env)).toMatch(/opted.out/i);
  }, 60_000);

  it('both entry points source it, and every npm script that runs turbo turns it off itself', () => {
    expect(read('scripts/hearth.sh')).toMatch(/^\. scripts\/env\.sh$/m);
    expect(read('.ci/run')).toMatch(/^\. scripts\/env\.sh$/m);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const turbo = Object.entries(scripts).filter(([, cmd]) => /\bturbo\b/.test(cmd));
    expect(turbo.length).toBeGreaterThan(0);
    for (const [name, cmd] of turbo) expect(cmd, name).toMatch(/^TURBO_TELEMETRY_DISABLED=1 turbo /);
  });
});
