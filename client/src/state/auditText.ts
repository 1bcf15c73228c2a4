import type { AuditEntry } from '@hearth/shared';
import type { MessageKey } from '../i18n/message.js';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/**
 * The server writes its audit lines in English words ("Ann (facilitator)", "muted everyone (3)"): this gives the
 * facilitator the known ones in their language, and any other exactly as the server wrote it. (A stopgap: the
 * protocol could carry an action code instead; until then the phrases below must follow the server's.)
 */
const PHRASES: [RegExp, MessageKey, string[]?][] = [
  [/^admitted$/, 'audit.admitted'],
  [/^declined$/, 'audit.declined'],
  [/^removed$/, 'audit.removed'],
  [/^muted$/, 'audit.muted'],
  [/^asked to unmute$/, 'audit.askedUnmute'],
  [/^stopped the camera of$/, 'audit.stoppedCamera'],
  [/^allowed the camera of$/, 'audit.allowedCamera'],
  [/^muted everyone \((\d+)\)$/, 'audit.mutedEveryone', ['count']],
  [/^locked the session$/, 'audit.locked'],
  [/^unlocked the session$/, 'audit.unlocked'],
  [/^created a (\w+) invite$/, 'audit.createdInvite', ['role']],
  [/^revoked an invite$/, 'audit.revokedInvite'],
  [/^set the floor to (\w+)$/, 'audit.setFloor', ['mode']],
  [/^passed the stick to$/, 'audit.passedStick'],
  [/^took the stick back$/, 'audit.tookStick'],
  [/^extended the turn by (\d+) s$/, 'audit.extended', ['seconds']],
  [/^lifted the turn limit$/, 'audit.liftedLimit'],
  [/^set turns to (\d+) s$/, 'audit.setLimit', ['seconds']],
  [/^switched to low data video$/, 'audit.lowData'],
  [/^switched back to full video$/, 'audit.fullVideo'],
];

const ROLES = new Set(['facilitator', 'cofacilitator', 'secretary', 'member']);
const MODES = new Set(['open', 'stick', 'goaround', 'facilitator']);

/** A role or floor word the server put in a line, in the member's language (left alone if unknown). */
function word(name: string, value: string, t: Translate): string {
  if (name === 'role' && ROLES.has(value)) return t(`role.${value}` as MessageKey);
  if (name === 'mode' && MODES.has(value)) return t(`mode.${value}` as MessageKey);
  return value;
}

export function auditText(a: AuditEntry, t: Translate): { actor: string; action: string } {
  const who = /^(.*) \((\w+)\)$/.exec(a.actor);
  const actor = who && ROLES.has(who[2]!) ? t('audit.actor', { name: who[1]!, role: word('role', who[2]!, t) }) : a.actor;
  for (const [pattern, key, names = []] of PHRASES) {
    const m = pattern.exec(a.action);
    if (!m) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => (params[name] = word(name, m[i + 1]!, t)));
    return { actor, action: t(key, params) };
  }
  return { actor, action: a.action };
}
