import type { AuditEntry, Role } from '@hearth/shared';

const MAX_ENTRIES = 500;

/**
 * Who did what, when: shown to facilitators, held in memory only, gone with the session. Never logged.
 */
export class AuditLog {
  private readonly entries: AuditEntry[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  record(actor: { displayName: string; role: Role }, action: string, target?: string): void {
    this.entries.push({ at: this.now().toISOString(), actor: `${actor.displayName} (${actor.role})`, action, ...(target ? { target } : {}) });
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
  }

  list(): AuditEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }
}
