import type { en } from './en.js';
import type { enWayIn } from './en.wayin.js';

/**
 * A message kept by key, not as words: models keep these in their state and the view shows them in the language
 * of the moment, so a notice follows the member's language switch. Plain TypeScript (no runes), so the pure
 * modules (key policy, connection monitor) can make one and their unit tests can read it.
 */
export type MessageKey = keyof typeof en | keyof typeof enWayIn;
/** Placeholder values: names and numbers as they are, or another message (translated when shown). */
export type MessageParams = Readonly<Record<string, string | number | Message>>;

export interface Message {
  readonly key: MessageKey;
  readonly params?: MessageParams;
}

export function msg(key: MessageKey, params?: MessageParams): Message {
  return params ? { key, params } : { key };
}
