import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

/** Reading the deployment files in infra/ the way their tools would (compose's interpolation, systemd's units). */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const INFRA = path.join(ROOT, 'infra');

export function readInfra(rel: string): string {
  return fs.readFileSync(path.join(INFRA, rel), 'utf8');
}

/** Every file under infra/ (relative paths), sorted. */
export function infraFiles(dir = INFRA): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...infraFiles(full));
    else out.push(path.relative(INFRA, full));
  }
  return out.sort();
}

/** An env file as systemd's EnvironmentFile= and compose's env_file read it (KEY=value, # comments). */
export function envFile(text: string): Record<string, string> {
  return parseEnv(text) as Record<string, string>;
}

/**
 * Compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$.
 * Throws like compose does when a required variable is missing.
 */
export function interpolate(text: string, vars: Record<string, string>, used = new Set<string>()): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$';
    used.add(name!);
    const value = vars[name!];
    const unset = op?.startsWith(':') ? !value : value === undefined;
    if (!unset) return value!;
    if (op?.endsWith('?')) throw new Error(`required variable ${name} is missing: ${arg}`);
    return op ? arg ?? '' : '';
  });
}

/** A systemd unit's settings: each key with every value it was given, in order (sections flattened). */
export function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    settings.set(key, [...(settings.get(key) ?? []), line.slice(eq + 1)]);
  }
  return settings;
}
