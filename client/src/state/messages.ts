import type { ErrorCode } from '@hearth/shared';
import { en } from '../i18n/en.js';
import { render } from '../i18n/index.svelte.js';
import { msg, type Message, type MessageKey } from '../i18n/message.js';

// What a member reads for each error code: calm, plain words, in i18n/en.ts as `error.<CODE>` (and in Spanish).
// A code without its message is a type error here.
type Missing = Exclude<`error.${ErrorCode}`, MessageKey>;
const everyCodeHasAMessage: [Missing] extends [never] ? true : Missing = true;
void everyCodeHasAMessage;

/** The message for an error (by its code), kept by key so it follows the member's language. */
export function errorMessage(error: unknown): Message {
  const code = (error as { code?: ErrorCode }).code;
  const key = `error.${code ?? ''}`;
  return key in en ? msg(key as MessageKey) : msg('error.unreachable');
}

/** The same, as words in the current language. */
export function messageFor(error: unknown): string {
  return render(errorMessage(error));
}

/** Runs a command and reports its failure (or clears it) in plain words. */
export async function attempt(command: () => Promise<unknown>, report: (error: Message | undefined) => void): Promise<void> {
  try {
    await command();
    report(undefined);
  } catch (error) {
    report(errorMessage(error));
  }
}
