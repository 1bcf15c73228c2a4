import { ErrorCode, HearthError } from '@hearth/shared';

/**
 * Per-session invite bookkeeping that signatures cannot carry: which invites belong to this session, which devices
 * used each, and which were revoked. A use is a device, so a member reloading the page does not use up their
 * invite; a device that leaves the waiting room before ever being admitted gives its use back.
 */
export class InviteBook {
  private readonly issued = new Set<string>();
  private readonly uses = new Map<string, Set<string>>();
  private readonly revoked = new Set<string>();

  /** An invite made for this session (at creation, or by a facilitator): only these can be revoked here. */
  issue(inviteId: string): void {
    this.issued.add(inviteId);
  }

  /** Why `deviceId` may not arrive with this invite (revoked, or used up by other devices), if it may not. */
  refusal(inviteId: string, maxUses: number, deviceId: string): ErrorCode | undefined {
    if (this.revoked.has(inviteId)) return ErrorCode.TOKEN_REVOKED;
    const devices = this.uses.get(inviteId) ?? new Set<string>();
    if (!devices.has(deviceId) && devices.size >= maxUses) return ErrorCode.TOKEN_USED_UP;
    return undefined;
  }

  /** Records that `deviceId` arrived with this invite (the caller asked refusal() first). */
  record(inviteId: string, deviceId: string): void {
    const devices = this.uses.get(inviteId) ?? new Set<string>();
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
