/**
 * Turn taking as a pure machine: (state, event) -> { state, effects }, with the clock passed in each event.
 * Modes: open floor (everyone speaks); talking stick (a queue, only the holder speaks); go-around (the stick
 * passes around in a set order, each may speak or pass); facilitator only. Facilitators are not in the machine:
 * they can always speak. Stale events (a pass by someone who no longer holds the stick, a pass for an earlier
 * turn) are ignored, never thrown.
 */
import type { TurnMode } from '../vocabulary/index.js';

/** A member who dropped keeps their place this long. */
export const GRACE_MS = 60_000;
/** The warning comes this long before a turn ends (or at three quarters of a short turn). */
export const WARNING_MS = 30_000;

export interface TurnState {
  mode: TurnMode;
  holder: string | null;
  /** Talking stick: who asked, in order. */
  queue: string[];
  /** Go-around: who is still to speak, in order. */
  order: string[];
  limitMs: number | null;
  endsAt: number | null;
  warned: boolean;
  /** Increases with every change of holder, so a late pass cannot end the next person's turn. */
  turn: number;
  /** Members present who take turns (facilitators are not among them), in arrival order. */
  members: string[];
  /** Members who dropped recently, with the place they will get back. */
  away: { id: string; until: number; list: 'queue' | 'order'; place: number }[];
}

export type TurnEvent =
  | { type: 'setMode'; mode: TurnMode; now: number }
  | { type: 'setLimit'; ms: number | null; now: number }
  | { type: 'request'; id: string; now: number }
  | { type: 'cancel'; id: string; now: number }
  | { type: 'pass'; id: string; turn?: number; now: number }
  | { type: 'passTo'; id: string; now: number }
  | { type: 'takeBack'; now: number }
  | { type: 'extend'; ms: number; now: number }
  | { type: 'joined'; id: string; now: number }
  | { type: 'left'; id: string; now: number }
  | { type: 'removed'; id: string; now: number }
  | { type: 'tick'; now: number };

export type TurnEffect =
  | { type: 'turnChanged'; holder: string | null }
  | { type: 'warning'; holder: string; remainingMs: number }
  | { type: 'expired'; holder: string }
  /** What everyone sees of the floor changed (mode, holder, queue, order, limit, deadline): tell them. */
  | { type: 'announce' }
  /** Whose audio may be forwarded changed (facilitators always may, outside this machine). */
  | { type: 'audible'; speakers: 'all' | string[] }
  /** The machine wants a `tick` at this time (a warning or an expiry), or none; it replaces any earlier one. */
  | { type: 'wakeAt'; at: number | null };

export function initialTurns(): TurnState {
  return { mode: 'open', holder: null, queue: [], order: [], limitMs: null, endsAt: null, warned: false, turn: 0, members: [], away: [] };
}

export function warningAt(s: Pick<TurnState, 'endsAt' | 'limitMs'>): number | null {
  if (s.endsAt === null || s.limitMs === null) return null;
  return s.endsAt - Math.min(WARNING_MS, s.limitMs / 4);
}

/** Who may be heard: everyone, or the holder alone (facilitators always, outside this machine). */
export function audibleMembers(s: TurnState): 'all' | string[] {
  if (s.mode === 'open') return 'all';
  return s.holder ? [s.holder] : [];
}

/** When the machine next needs a tick: the warning, then the expiry of the current turn. */
export function nextWake(s: Pick<TurnState, 'holder' | 'endsAt' | 'limitMs' | 'warned'>): number | null {
  if (!s.holder || s.endsAt === null) return null;
  return s.warned ? s.endsAt : Math.min(warningAt(s) ?? s.endsAt, s.endsAt);
}

const without = (xs: string[], id: string) => xs.filter((x) => x !== id);

function sameView(a: TurnState, b: TurnState): boolean {
  return a.mode === b.mode && a.holder === b.holder && a.endsAt === b.endsAt && a.limitMs === b.limitMs && a.turn === b.turn
    && a.queue.join() === b.queue.join() && a.order.join() === b.order.join();
}

const sameAudible = (a: 'all' | string[], b: 'all' | string[]) => (a === 'all' || b === 'all' ? a === b : a.join() === b.join());

/**
 * What a transition asks of the outside world, after its own effects: announce a changed view, forward other audio,
 * wake the machine up. A tick has used up the last wake-up, so it always says when the next one is.
 */
function portEffects(before: TurnState, after: TurnState, event: TurnEvent): TurnEffect[] {
  const effects: TurnEffect[] = [];
  if (!sameView(before, after)) effects.push({ type: 'announce' });
  const speakers = audibleMembers(after);
  if (!sameAudible(audibleMembers(before), speakers)) effects.push({ type: 'audible', speakers });
  if (event.type === 'tick' || nextWake(before) !== nextWake(after)) effects.push({ type: 'wakeAt', at: nextWake(after) });
  return effects;
}

export function turnReducer(state: TurnState, event: TurnEvent): { state: TurnState; effects: TurnEffect[] } {
  const s: TurnState = { ...state, queue: [...state.queue], order: [...state.order], members: [...state.members], away: state.away.filter((a) => a.until > event.now) };
  const effects: TurnEffect[] = [];
  const give = (holder: string | null) => {
    const changed = holder !== s.holder;
    s.holder = holder;
    s.endsAt = holder && s.limitMs !== null ? event.now + s.limitMs : null;
    s.warned = false;
    if (changed) {
      s.turn++;
      effects.push({ type: 'turnChanged', holder });
    }
  };
  const next = () => give((s.mode === 'goaround' ? s.order.shift() : s.mode === 'stick' ? s.queue.shift() : undefined) ?? null);

  switch (event.type) {
    case 'setMode':
      s.mode = event.mode;
      s.queue = [];
      s.order = event.mode === 'goaround' ? [...s.members] : [];
      if (event.mode === 'goaround') next();
      else give(null);
      break;
    case 'setLimit':
      s.limitMs = event.ms;
      s.endsAt = s.holder && event.ms !== null ? event.now + event.ms : null;
      s.warned = false;
      break;
    case 'request':
      if (s.mode !== 'stick' || !s.members.includes(event.id) || s.holder === event.id || s.queue.includes(event.id)) break;
      if (s.holder === null) give(event.id);
      else s.queue.push(event.id);
      break;
    case 'cancel':
      s.queue = without(s.queue, event.id);
      break;
    case 'pass':
      if (event.id !== s.holder || (event.turn !== undefined && event.turn !== s.turn)) break;
      next();
      break;
    case 'passTo':
      if ((s.mode !== 'stick' && s.mode !== 'goaround') || !s.members.includes(event.id)) break;
      s.queue = without(s.queue, event.id);
      s.order = without(s.order, event.id);
      give(event.id);
      break;
    case 'takeBack':
      give(null);
      break;
    case 'extend':
      if (s.holder && s.endsAt !== null) {
        s.endsAt += event.ms;
        s.warned = false;
      }
      break;
    case 'joined': {
      if (!s.members.includes(event.id)) s.members.push(event.id);
      const back = s.away.find((a) => a.id === event.id);
      s.away = s.away.filter((a) => a.id !== event.id);
      if (back && back.list === 'queue' && s.mode === 'stick') s.queue.splice(Math.min(back.place, s.queue.length), 0, event.id);
      if (back && back.list === 'order' && s.mode === 'goaround') s.order.splice(Math.min(back.place, s.order.length), 0, event.id);
      break;
    }
    case 'left':
    case 'removed': {
      const inQueue = s.queue.indexOf(event.id);
      const inOrder = s.order.indexOf(event.id);
      const wasHolder = s.holder === event.id;
      s.members = without(s.members, event.id);
      s.queue = without(s.queue, event.id);
      s.order = without(s.order, event.id);
      s.away = s.away.filter((a) => a.id !== event.id);
      if (event.type === 'left' && (wasHolder || inQueue >= 0 || inOrder >= 0)) {
        const list = s.mode === 'goaround' ? 'order' : 'queue';
        s.away.push({ id: event.id, until: event.now + GRACE_MS, list, place: wasHolder ? 0 : Math.max(inQueue, inOrder) });
      }
      if (wasHolder) next();
      break;
    }
    case 'tick': {
      if (!s.holder || s.endsAt === null) break;
      if (event.now >= s.endsAt) {
        effects.push({ type: 'expired', holder: s.holder });
        next();
      } else if (!s.warned && event.now >= warningAt(s)!) {
        s.warned = true;
        effects.push({ type: 'warning', holder: s.holder, remainingMs: s.endsAt - event.now });
      }
      break;
    }
  }
  return { state: s, effects: [...effects, ...portEffects(state, s, event)] };
}
