import { en } from './en.js';
import { es } from './es.js';
import { enWayIn } from './en.wayin.js';
import { esWayIn } from './es.wayin.js';
import { enVerify } from './en.verify.js';
import { esVerify } from './es.verify.js';
import type { Message } from './message.js';

/**
 * Every string a member reads, by key, in English and Spanish. English is the source: the Spanish catalogs are
 * typed against it, so a missing translation is a type error, not a blank on screen. The language is the browser's
 * first one we have, until the member picks another (kept for this tab only: nothing about the session outlives
 * it, see quick exit).
 */
const EN = { ...en, ...enWayIn, ...enVerify } as const;
export type MessageKey = keyof typeof EN;
export const LOCALES = { en: 'English', es: 'Español' } as const;
export type Locale = keyof typeof LOCALES;
const CATALOGS: Record<Locale, Record<MessageKey, string>> = { en: EN, es: { ...es, ...esWayIn, ...esVerify } };
const STORE = 'hearth.locale';

function initial(): Locale {
  const chosen = typeof sessionStorage === 'undefined' ? null : sessionStorage.getItem(STORE);
  if (chosen && chosen in LOCALES) return chosen as Locale;
  const langs = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language];
  for (const l of langs) {
    const base = l.toLowerCase().split('-')[0];
    if (base && base in LOCALES) return base as Locale;
  }
  return 'en';
}

const current = $state<{ locale: Locale }>({ locale: initial() });
// The page's language from the start, not only after a switch: screen readers pick their voice by it.
if (typeof document !== 'undefined') document.documentElement.lang = current.locale;

export function locale(): Locale {
  return current.locale;
}

export function setLocale(l: Locale): void {
  current.locale = l;
  sessionStorage.setItem(STORE, l);
  document.documentElement.lang = l;
}

/** The message for `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = CATALOGS[current.locale][key] ?? EN[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A message kept by key (i18n/message.ts), in the current language; messages among its params are shown too. */
export function render(m: Message): string;
export function render(m: Message | undefined): string | undefined;
export function render(m: Message | undefined): string | undefined {
  if (!m) return undefined;
  if (!m.params) return t(m.key);
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(m.params)) params[name] = typeof value === 'object' ? render(value) : value;
  return t(m.key, params);
}

/** Plain lookup for tests and tools: the catalog of one language. */
export function catalog(l: Locale): Readonly<Record<MessageKey, string>> {
  return CATALOGS[l];
}
