import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en.js';
import { es } from '../i18n/es.js';
import type { MessageKey } from '../i18n/message.js';
import { auditText } from './auditText.js';

const using = (catalog: Record<string, string>) => (key: MessageKey, params: Record<string, string | number> = {}) =>
  catalog[key]!.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name]));
const line = (actor: string, action: string) => ({ at: '2026-11-23T10:00:00.000Z', actor, action });

describe('audit lines in the facilitator’s language', () => {
  it('reads back the server’s English words in English', () => {
    expect(auditText(line('Ann (facilitator)', 'admitted'), using(en))).toEqual({ actor: 'Ann (facilitator)', action: 'admitted' });
    expect(auditText(line('Ann (cofacilitator)', 'muted everyone (3)'), using(en)).action).toBe('muted everyone (3)');
  });

  it('gives Spanish words, with roles, floors and numbers carried over', () => {
    const es_ = using(es);
    expect(auditText(line('Ann (facilitator)', 'admitted'), es_)).toEqual({ actor: 'Ann (facilitador/a)', action: 'admitió a' });
    expect(auditText(line('Ann (secretary)', 'muted everyone (3)'), es_).action).toBe('silenció a todas las personas (3)');
    expect(auditText(line('Ann (facilitator)', 'set the floor to stick'), es_).action).toBe('cambió el modo a Bastón de la palabra');
    expect(auditText(line('Ann (facilitator)', 'created a cofacilitator invite'), es_).action).toBe('creó una invitación de cofacilitador/a');
    expect(auditText(line('Ann (facilitator)', 'set turns to 60 s'), es_).action).toBe('puso turnos de 60 s');
  });

  it('leaves a line it does not know exactly as the server wrote it', () => {
    expect(auditText(line('Ann (facilitator)', 'did something new'), using(es))).toEqual({ actor: 'Ann (facilitador/a)', action: 'did something new' });
    expect(auditText(line('Someone', 'admitted'), using(es)).actor).toBe('Someone');
  });
});
