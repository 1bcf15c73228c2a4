import type { EventOf, PrivacyCheck } from '@hearth/shared';
import type { SignalingClient } from '../connection/SignalingClient.js';
import type { KeyManager } from '../e2ee/KeyManager.js';
import { msg, type Message } from '../i18n/message.js';
import { errorMessage } from './messages.js';

/** What the space model needs of the room: our keys, our own microphone and camera, and who is who. */
export interface SpacePorts {
  keys: () => KeyManager | undefined;
  /** Our microphone muted and our camera stopped (the light goes off): "not private right now". */
  goQuiet: () => Promise<void>;
  nameOf: (id: string) => string;
  setApart: (peerId: string, apart: boolean) => void;
  say: (m: Message) => void;
}

/**
 * Where we are within the session (issue 11): in the circle, "not private right now", or in a 1:1 side room with a
 * facilitator. The server enforces it at the SFU (nothing passes between spaces); here we follow it: our frames
 * in a side room are sealed with the pair's own key (KeyManager.side), and the view shows where we are.
 */
export class SpaceModel {
  notPrivate = $state(false);
  side = $state<{ room: string; with: string } | undefined>();

  constructor(
    private readonly signaling: SignalingClient,
    private readonly ports: SpacePorts,
  ) {
    signaling.on('side.state', (e) => this.onSide(e));
    signaling.on('peer.space', (e) => ports.setApart(e.peerId, e.apart));
  }

  /**
   * "Not private right now": the server stops everything both ways first (the one step that protects the group and
   * the member at once), then our microphone and camera go off here. The banner shows at once; a refusal undoes it
   * and says why.
   */
  async setNotPrivate(on: boolean): Promise<void> {
    const before = this.notPrivate;
    this.notPrivate = on;
    try {
      await this.signaling.request('member.setPrivate', { private: !on });
    } catch (error) {
      this.notPrivate = before;
      return this.ports.say(errorMessage(error));
    }
    if (on) await this.ports.goQuiet();
    this.ports.say(msg(on ? 'space.notPrivate.on' : 'space.notPrivate.off'));
  }

  /** The check again, or the ambient check finished after we knocked: the facilitators see it. */
  async updateCheck(check: PrivacyCheck): Promise<void> {
    await this.signaling.request('member.setCheck', { check });
  }

  /** A facilitator opens a side room with one member. */
  stepOut(peerId: string): Promise<unknown> {
    return this.signaling.request('facilitator.stepOut', { peerId });
  }

  /** Either of the pair: both back to the group. */
  returnToGroup(): Promise<unknown> {
    return this.signaling.request('side.return', {});
  }

  private onSide(e: EventOf<'side.state'>): void {
    const side = 'room' in e ? { room: e.room, with: e.with } : undefined;
    const keys = this.ports.keys();
    if (keys && !keys.side(side)) {
      // A partner whose key we never verified: do not send them anything under a key we cannot trust.
      void this.returnToGroup().catch(() => undefined);
      return;
    }
    this.side = side;
    this.ports.say(side ? msg('space.side.opened', { name: this.ports.nameOf(side.with) }) : msg('space.side.closed'));
  }
}
