import { readFileSync } from 'node:fs';
import { ConfigError } from './loadConfig.js';

const SECRET_PATTERN = /^[\x21-\x7e]{32,256}$/;

/**
 * A secret given in the config itself or as a file holding it (a systemd credential, a compose secret): the value,
 * or the file's trimmed contents; undefined when neither is set. Errors name the setting, never the secret.
 */
export function secretOf(what: string, given: { value?: string | undefined; file?: string | undefined }): string | undefined {
  if (given.value && given.file) throw new ConfigError(`${what}: set the secret or its file, not both`);
  if (given.value) return given.value;
  if (!given.file) return undefined;
  let text: string;
  try {
    text = readFileSync(given.file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`${what} file: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!SECRET_PATTERN.test(text)) throw new ConfigError(`${what} file: must hold 32-256 printable characters`);
  return text;
}
