import { initialTurns, turnReducer, warningAt, type TurnEffect, type TurnEvent, type TurnState, type TurnView } from '@hearth/shared';

type Untimed<E> = E extends unknown ? Omit<E, 'now'> : never;

/** What the floor needs from its session. */
export interface FloorPorts {
  /** Tell everyone in the circle how the floor stands. */
  announce(view: TurnView): void;
  /** Forward audio from these members only (the session adds the facilitators), or from everyone. */
  audible(speakers: 'all' | readonly string[]): Promise<void>;
}

/**
 * Runs the turn-taking machine for one session and performs the effects it returns: announce the floor, forward
 * the audio it names, and wake itself up when it asks to. `schedule` runs the wake-up inside the session's queue,
 * like every other command.
 */
export class TurnFloor {
  private state: TurnState = initialTurns();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly ports: FloorPorts,
    private readonly schedule: (task: () => Promise<void>) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): TurnState {
    return this.state;
  }

  async apply(event: Untimed<TurnEvent>): Promise<TurnEffect[]> {
    const { state, effects } = turnReducer(this.state, { ...event, now: this.now() } as TurnEvent);
    this.state = state;
    for (const effect of effects) await this.perform(effect);
    return effects;
  }

  view(): TurnView {
    const s = this.state;
    return {
      mode: s.mode, holder: s.holder, queue: s.queue, order: s.order, limitMs: s.limitMs, endsAt: s.endsAt,
      warnAt: warningAt(s), turn: s.turn, serverNow: this.now(),
    };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async perform(effect: TurnEffect): Promise<void> {
    switch (effect.type) {
      case 'announce':
        return this.ports.announce(this.view());
      case 'audible':
        return this.ports.audible(effect.speakers);
      case 'wakeAt':
        return this.wakeAt(effect.at);
      case 'turnChanged':
      case 'warning':
      case 'expired':
        return; // every browser reads these from the view it was sent (announce)
    }
  }

  private wakeAt(at: number | null): void {
    clearTimeout(this.timer);
    if (at === null || this.closed) return;
    this.timer = setTimeout(() => this.schedule(async () => void (await this.apply({ type: 'tick' }))), Math.max(0, at - this.now()));
    this.timer.unref();
  }
}
