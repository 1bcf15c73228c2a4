import {
  audibleMembers, initialTurns, turnReducer, warningAt, type TurnEffect, type TurnEvent, type TurnState, type TurnView,
} from '@hearth/shared';
import type { Room } from './Room.js';

type Untimed<E> = E extends unknown ? Omit<E, 'now'> : never;

/**
 * Runs the turn-taking machine for one session and performs its effects: tells everyone who has the floor, tells
 * the media module whose audio to forward, and wakes itself up for warnings and expiries. `schedule` runs the
 * wake-up inside the session's queue, like every other command.
 */
export class TurnFloor {
  private state: TurnState = initialTurns();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly room: Room,
    private readonly schedule: (task: () => Promise<void>) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): TurnState {
    return this.state;
  }

  async apply(event: Untimed<TurnEvent>): Promise<TurnEffect[]> {
    const before = this.state;
    const { state, effects } = turnReducer(this.state, { ...event, now: this.now() } as TurnEvent);
    this.state = state;
    if (state !== before && !sameView(state, before)) {
      this.room.sendAll('turn.state', this.view());
      await this.room.setSpeakers(audibleMembers(state));
    }
    this.reschedule();
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
    clearTimeout(this.timer);
  }

  private reschedule(): void {
    clearTimeout(this.timer);
    const s = this.state;
    if (!s.holder || s.endsAt === null) return;
    const at = s.warned ? s.endsAt : Math.min(warningAt(s) ?? s.endsAt, s.endsAt);
    this.timer = setTimeout(() => this.schedule(async () => void (await this.apply({ type: 'tick' }))), Math.max(0, at - this.now()));
    this.timer.unref();
  }
}

function sameView(a: TurnState, b: TurnState): boolean {
  return a.mode === b.mode && a.holder === b.holder && a.endsAt === b.endsAt && a.limitMs === b.limitMs && a.turn === b.turn
    && a.queue.join() === b.queue.join() && a.order.join() === b.order.join();
}
