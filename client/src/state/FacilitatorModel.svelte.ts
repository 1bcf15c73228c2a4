import { may, sessionLink, type ModerationAction, type Role, type Roster } from '@hearth/shared';
import type { SignalingClient } from '../connection/SignalingClient.js';
import { attempt } from './messages.js';

/** The facilitator panel: the roster the server pushes, and the safety actions as commands. */
export class FacilitatorModel {
  roster = $state<Roster>({ locked: false, waiting: [], members: [], audit: [] });
  /** The last refusal or failure, in plain words. */
  error = $state<string | undefined>();
  /** The newest invite link made from the panel. */
  lastInvite = $state<string | undefined>();

  constructor(
    private readonly signaling: SignalingClient,
    private readonly sessionId: string,
    private readonly secret: string,
  ) {
    signaling.on('facilitator.roster', (r) => {
      this.roster = r;
    });
  }

  /** For showing controls only; the server decides. */
  can(role: Role | undefined, action: ModerationAction): boolean {
    return may(role, action);
  }

  admit = (peerId: string) => this.act(() => this.signaling.request('facilitator.admit', { peerId }));
  admitAll = () => this.act(() => this.signaling.request('facilitator.admitAll', {}));
  deny = (peerId: string, message?: string) =>
    this.act(() => this.signaling.request('facilitator.deny', message ? { peerId, message } : { peerId }));
  mute = (peerId: string) => this.act(() => this.signaling.request('facilitator.mute', { peerId }));
  askUnmute = (peerId: string) => this.act(() => this.signaling.request('facilitator.askUnmute', { peerId }));
  muteAll = () => this.act(() => this.signaling.request('facilitator.muteAll', {}));
  stopCamera = (peerId: string) => this.act(() => this.signaling.request('facilitator.stopCamera', { peerId }));
  allowCamera = (peerId: string) => this.act(() => this.signaling.request('facilitator.allowCamera', { peerId }));
  remove = (peerId: string, message?: string) =>
    this.act(() => this.signaling.request('facilitator.remove', message ? { peerId, message } : { peerId }));
  setLocked = (locked: boolean) => this.act(() => this.signaling.request('facilitator.lock', { locked }));
  end = () => this.act(() => this.signaling.request('facilitator.end', {}));

  /** A new invite link; the session secret is added here, in the browser, and never sent anywhere. */
  async invite(role: Role, maxUses: number, ttlMinutes: number): Promise<void> {
    await this.act(async () => {
      const { token } = await this.signaling.request('facilitator.createInvite', { role, maxUses, ttlMinutes });
      this.lastInvite = sessionLink(location.origin, this.sessionId, token, this.secret);
    });
  }

  private act(command: () => Promise<unknown>): Promise<void> {
    return attempt(command, (e) => (this.error = e));
  }
}
