import { ErrorCode, HearthError } from '@hearth/shared';

/** New devices one invite may bind per minute (burst and sustained). */
export const DEVICES_PER_INVITE_PER_MINUTE = 30;
/** Invites one session may hold (the two it starts with included); each binds at most 50 devices. */
export const MAX_INVITES_PER_SESSION = 200;

/**
 * Per-session invite bookkeeping that signatures cannot carry: which invites belong to this session, which devices
 * used each, and which were revoked. A use is a device, so a member reloading the page does not use up their
 * invite; a device that leaves the waiting room before ever being admitted gives its use back.
 */
export class InviteBook {
  private readonly issued = new Set<string>();
  private readonly uses = new Map<string, Set<string>>();
  private readonly revoked = new Set<string>();
  /** Per invite: new devices it may still bind now (a bucket of `devicesPerMinute`, refilled over a minute). */
  private readonly bindings = new Map<string, { tokens: number; last: number }>();

  /**
   * `devicesPerMinute`: how many new devices one invite may bind per minute (a leaked group link cannot be used by
   * a script to bind hundreds). Generous for a real group opening its link at once (circles are at most 50).
   */
  constructor(private readonly devicesPerMinute = DEVICES_PER_INVITE_PER_MINUTE, private readonly now: () => number = Date.now) {}

  /** Throws (INVALID_STATE, nothing changed) if this session already holds as many invites as it may. */
  assertRoom(): void {
    if (this.issued.size >= MAX_INVITES_PER_SESSION) throw new HearthError(ErrorCode.INVALID_STATE, 'too many invites in this session');
  }

  /**
   * An invite made for this session (at creation, or by a facilitator): only these can be revoked here. At most
   * MAX_INVITES_PER_SESSION: every other per-invite record (uses, bindings, revocations) is bounded by it.
   */
  issue(inviteId: string): void {
    this.assertRoom();
    this.issued.add(inviteId);
  }

  /** Invites issued for this session (tests: the book is bounded). */
  get size(): number {
    return this.issued.size;
  }

  /** Why `deviceId` may not arrive with this invite (revoked, or used up by other devices), if it may not. */
  refusal(inviteId: string, maxUses: number, deviceId: string): ErrorCode | undefined {
    if (this.revoked.has(inviteId)) return ErrorCode.TOKEN_REVOKED;
    const devices = this.uses.get(inviteId) ?? new Set<string>();
    if (devices.has(deviceId)) return undefined;
    if (devices.size >= maxUses) return ErrorCode.TOKEN_USED_UP;
    if (this.bucket(inviteId).tokens < 1) return ErrorCode.RATE_LIMITED;
    return undefined;
  }

  /** The invite's binding bucket, refilled to now (not stored: a refusal changes nothing). */
  private bucket(inviteId: string): { tokens: number; last: number } {
    const t = this.now();
    const b = this.bindings.get(inviteId) ?? { tokens: this.devicesPerMinute, last: t };
    return { tokens: Math.min(this.devicesPerMinute, b.tokens + ((t - b.last) / 60_000) * this.devicesPerMinute), last: t };
  }

  /** Records that `deviceId` arrived with this invite (the caller asked refusal() first). */
  record(inviteId: string, deviceId: string): void {
    const devices = this.uses.get(inviteId) ?? new Set<string>();
    if (!devices.has(deviceId)) {
      const b = this.bucket(inviteId);
      this.bindings.set(inviteId, { tokens: Math.max(0, b.tokens - 1), last: b.last });
    }
    devices.add(deviceId);
    this.uses.set(inviteId, devices);
  }

  /** Records that `deviceId` arrives with this invite; throws if it may not (see refusal()). */
  use(inviteId: string, maxUses: number, deviceId: string): void {
    const refused = this.refusal(inviteId, maxUses, deviceId);
    if (refused) throw new HearthError(refused);
    this.record(inviteId, deviceId);
  }

  /** Gives a use back: the device left before it was ever admitted (the caller checks that). */
  release(inviteId: string, deviceId: string): void {
    this.uses.get(inviteId)?.delete(deviceId);
  }

  /** Revokes one of this session's invites; another session's (or a made-up) id is NOT_FOUND. */
  revoke(inviteId: string): void {
    if (!this.issued.has(inviteId)) throw new HearthError(ErrorCode.NOT_FOUND, 'no such invite in this session');
    this.revoked.add(inviteId);
  }

  isRevoked(inviteId: string): boolean {
    return this.revoked.has(inviteId);
  }
}
