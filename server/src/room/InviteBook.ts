import { ErrorCode, HearthError } from '@hearth/shared';

/**
 * Per-session invite bookkeeping that signatures cannot carry: which devices used each invite, and which
 * invites were revoked. A use is a device, so a member reloading the page does not use up their invite.
 */
export class InviteBook {
  private readonly uses = new Map<string, Set<string>>();
  private readonly revoked = new Set<string>();

  /** Records that `deviceId` arrives with this invite; throws if revoked or used up by other devices. */
  use(inviteId: string, maxUses: number, deviceId: string): void {
    if (this.revoked.has(inviteId)) throw new HearthError(ErrorCode.TOKEN_REVOKED);
    const devices = this.uses.get(inviteId) ?? new Set<string>();
    if (!devices.has(deviceId) && devices.size >= maxUses) throw new HearthError(ErrorCode.TOKEN_USED_UP);
    devices.add(deviceId);
    this.uses.set(inviteId, devices);
  }

  revoke(inviteId: string): void {
    this.revoked.add(inviteId);
  }

  isRevoked(inviteId: string): boolean {
    return this.revoked.has(inviteId);
  }
}
