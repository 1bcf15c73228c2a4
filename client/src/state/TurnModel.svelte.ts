import type { Reaction, TurnMode, TurnView } from '@hearth/shared';
import type { SignalingClient } from '../connection/SignalingClient.js';
import { t } from '../i18n/index.svelte.js';
import type { Message } from '../i18n/message.js';
import { attempt } from './messages.js';

/** A quiet reaction's words ("I understand"), in the current language. */
export const reactionLabel = (r: Reaction): string => t(`reaction.${r}`);
/** The floor's name ("Talking stick"), in the current language. */
export const modeLabel = (m: TurnMode): string => t(`mode.${m}`);

/** Who has the floor, the countdown, and the member's own turn commands. The server decides; this shows. */
export class TurnModel {
  view = $state<TurnView | undefined>();
  /** Ticks four times a second while a turn is timed, for the countdown ring. */
  now = $state(Date.now());
  reactions = $state<{ id: number; from: string; reaction: Reaction }[]>([]);
  error = $state<Message | undefined>();
  private offset = 0;
  private warnedTurn = -1;
  private next = 0;
  private readonly ticker: ReturnType<typeof setInterval>;

  constructor(
    private readonly signaling: SignalingClient,
    private readonly selfId: () => string | undefined,
    private readonly announce: (text: string) => void,
  ) {
    signaling.on('turn.state', (v) => this.onState(v));
    signaling.on('turn.reaction', ({ from, reaction }) => {
      const id = this.next++;
      this.reactions.push({ id, from, reaction });
      setTimeout(() => (this.reactions = this.reactions.filter((r) => r.id !== id)), 4000);
    });
    this.ticker = setInterval(() => this.tick(), 250);
  }

  get mode(): TurnMode {
    return this.view?.mode ?? 'open';
  }

  get isHolder(): boolean {
    return !!this.view?.holder && this.view.holder === this.selfId();
  }

  get inQueue(): boolean {
    const me = this.selfId();
    return !!me && !!this.view?.queue.includes(me);
  }

  /** Milliseconds left in the current turn, by the server's clock; undefined when turns are not timed. */
  get remainingMs(): number | undefined {
    const v = this.view;
    return v?.endsAt != null ? Math.max(0, v.endsAt - (this.now + this.offset)) : undefined;
  }

  request = () => this.send(() => this.signaling.request('turn.request', {}));
  cancel = () => this.send(() => this.signaling.request('turn.cancel', {}));
  pass = () => this.send(() => this.signaling.request('turn.pass', { turn: this.view?.turn ?? 0 }));
  react = (reaction: Reaction) => this.send(() => this.signaling.request('turn.react', { reaction }));
  setMode = (mode: TurnMode) => this.send(() => this.signaling.request('facilitator.setTurnMode', { mode }));
  passTo = (peerId: string) => this.send(() => this.signaling.request('facilitator.passStick', { peerId }));
  takeBack = () => this.send(() => this.signaling.request('facilitator.takeStick', {}));
  extend = (seconds: number) => this.send(() => this.signaling.request('facilitator.extendTurn', { seconds }));
  setLimit = (seconds: number) => this.send(() => this.signaling.request('facilitator.setTurnLimit', { seconds }));

  close(): void {
    clearInterval(this.ticker);
  }

  private onState(v: TurnView): void {
    const me = this.selfId();
    const before = this.view?.holder;
    this.offset = v.serverNow - Date.now();
    this.view = v;
    if (v.holder === me && before !== me) this.announce(t('turns.yourTurn'));
    else if (before === me && v.holder !== me) this.announce(t('turns.ended'));
    if (before !== v.holder && v.holder === null && v.mode !== 'open') this.announce(t('turns.nobodyNow', { mode: modeLabel(v.mode) }));
  }

  private tick(): void {
    this.now = Date.now();
    const v = this.view;
    if (!v || !this.isHolder || v.warnAt === null || v.endsAt === null || this.warnedTurn === v.turn) return;
    if (this.now + this.offset >= v.warnAt) {
      this.warnedTurn = v.turn;
      this.announce(t('turns.endsIn', { seconds: Math.round((v.endsAt - this.now - this.offset) / 1000) }));
    }
  }

  private send(command: () => Promise<unknown>): Promise<void> {
    return attempt(command, (e) => (this.error = e));
  }
}
