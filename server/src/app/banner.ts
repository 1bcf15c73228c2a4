import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** Where a key made for this run is put when it may not be shown (output that is not a terminal). */
export function madeKeyFile(): string {
  return path.join(homedir(), '.cache', 'hearth', 'admin-key');
}

/** Writes the key for this run to a file only this user can read; the file's path, or undefined if it could not. */
export function writeMadeKey(key: string, file = madeKeyFile()): string | undefined {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    chmodSync(file, 0o600); // an older file keeps its mode on overwrite
    return file;
  } catch {
    return undefined;
  }
}

export interface BannerFacts {
  port: number;
  adminKey: string;
  /** The key was made for this run (not given by the operator). */
  madeHere: boolean;
  /** stdout is an interactive terminal: the only place the key may be shown. */
  interactive: boolean;
  /** Where a made key was written when it may not be shown. */
  keyFile?: string | undefined;
}

/**
 * The start banner. The facilitator key lets its holder create sessions: it is shown only on an interactive
 * terminal. Anywhere else (systemd's journal, `docker logs`, a file) stdout is a log stream, so the banner says where
 * the key is instead.
 */
export function startBanner(f: BannerFacts): string {
  const base = `http://localhost:${f.port}`;
  if (f.interactive) {
    const note = f.madeHere ? '(made for this run; set HEARTH_ADMIN_KEY_FILE to keep one)' : '(the configured key)';
    return `
Hearth is running.

  Facilitators: open ${base}/host#key=${f.adminKey}
                to create a session and get its links ${note}.
  Or from a terminal:
    HEARTH_ADMIN_KEY=${f.adminKey} npm run hearth -- session create --title "Tuesday group" --url ${base}

`;
  }
  const where = !f.madeHere
    ? 'the configured facilitator key'
    : f.keyFile
      ? `the facilitator key made for this run, in ${f.keyFile} (readable by this user only)`
      : 'a facilitator key: none is configured and none could be written (set HEARTH_ADMIN_KEY_FILE)';
  return `
Hearth is running.

  Facilitators: open ${base}/host and enter ${where}.
  (The key is not printed here: this output is not a terminal and may be kept in a log.)
  Or from a terminal: HEARTH_ADMIN_KEY_FILE=${f.keyFile ?? '<key file>'} npm run hearth -- session create --title "Tuesday group" --url ${base}

`;
}
