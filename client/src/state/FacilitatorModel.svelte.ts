import { isModerator, may, sessionLink, type LinkFragment, type ModerationAction, type Role, type Roster } from '@hearth/shared';
import type { KeyManager } from '../e2ee/KeyManager.js';
import type { SignalingClient } from '../connection/SignalingClient.js';
import { t } from '../i18n/index.svelte.js';
import type { Message } from '../i18n/message.js';
import { attempt } from './messages.js';

/** The facilitator panel: the roster the server pushes, and the safety actions as commands. */
export class FacilitatorModel {
  roster = $state<Roster>({ locked: false, waiting: [], members: [], audit: [] });
  /** The last refusal or failure, in plain words (by key: it follows the language). */
  error = $state<Message | undefined>();
  /** The newest invite link made from the panel. */
  lastInvite = $state<string | undefined>();

  constructor(
    private readonly signaling: SignalingClient,
    private readonly sessionId: string,
    private readonly link: LinkFragment,
    private readonly keys: KeyManager,
    /** Screen readers hear who arrives in the waiting room (the panel shows it; a blind facilitator hears it). */
    private readonly announce: (text: string) => void = () => undefined,
  ) {
    signaling.on('facilitator.roster', (r) => {
      const before = new Set(this.roster.waiting.map((w) => w.id));
      this.roster = r;
      for (const w of r.waiting) if (!before.has(w.id)) this.announce(t('panel.arrived', { name: w.displayName }));
    });
  }

  /** For showing controls only; the server decides. */
  can(role: Role | undefined, action: ModerationAction): boolean {
    return may(role, action);
  }

  /** Admitting signs the member's key into the encrypted group, here in the browser (the server cannot). */
  admit = (peerId: string) => this.act(() => this.signaling.request('facilitator.admit', { peerId, ...this.certificate(peerId) }));
  admitAll = () =>
    this.act(() => {
      const certificates = this.roster.waiting.flatMap((w) => {
        const c = this.certificate(w.id).certificate;
        return c ? [{ peerId: w.id, certificate: c }] : [];
      });
      return this.signaling.request('facilitator.admitAll', { certificates });
    });
  deny = (peerId: string, message?: string) =>
    this.act(() => this.signaling.request('facilitator.deny', message ? { peerId, message } : { peerId }));
  mute = (peerId: string) => this.act(() => this.signaling.request('facilitator.mute', { peerId }));
  askUnmute = (peerId: string) => this.act(() => this.signaling.request('facilitator.askUnmute', { peerId }));
  muteAll = () => this.act(() => this.signaling.request('facilitator.muteAll', {}));
  stopCamera = (peerId: string) => this.act(() => this.signaling.request('facilitator.stopCamera', { peerId }));
  allowCamera = (peerId: string) => this.act(() => this.signaling.request('facilitator.allowCamera', { peerId }));
  /** Low data video for a member on a weak link (they are told, and may switch back). */
  setLowData = (peerId: string, lowData: boolean) => this.act(() => this.signaling.request('facilitator.setLowData', { peerId, lowData }));
  /** Removal carries a signed revocation of the member's key: no browser will seal a key to it again. */
  remove = (peerId: string, message?: string) =>
    this.act(async () => {
      const revocation = this.keys.revocationFor(peerId);
      await this.signaling.request('facilitator.remove', { peerId, ...(message ? { message } : {}), ...(revocation ? { revocation } : {}) });
      await this.keys.removedHere(peerId, revocation);
    });
  setLocked = (locked: boolean) => this.act(() => this.signaling.request('facilitator.lock', { locked }));
  end = () => this.act(() => this.signaling.request('facilitator.end', {}));

  /** A new invite link; the session secret is added here, in the browser, and never sent anywhere. */
  async invite(role: Role, maxUses: number, ttlMinutes: number): Promise<void> {
    await this.act(async () => {
      const { token } = await this.signaling.request('facilitator.createInvite', { role, maxUses, ttlMinutes });
      // Moderators' links carry the session signing key (they admit people); members' links only its public half.
      const signingSeed = isModerator(role) ? this.link.signingSeed : undefined;
      this.lastInvite = sessionLink(location.origin, this.sessionId, {
        token, secret: this.link.secret, signingPublicKey: this.link.signingPublicKey, ...(signingSeed ? { signingSeed } : {}),
      });
    });
  }

  private certificate(peerId: string): { certificate?: string } {
    const w = this.roster.waiting.find((x) => x.id === peerId);
    const certificate = w && this.keys.certificateFor(w.id, w.e2eeKey.publicKey);
    return certificate ? { certificate } : {};
  }

  private act(command: () => Promise<unknown>): Promise<void> {
    return attempt(command, (e) => (this.error = e));
  }
}
