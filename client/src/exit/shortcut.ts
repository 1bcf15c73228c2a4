/**
 * The quick exit's shortcut: Escape twice within a second. It works on every screen (nothing else in Hearth needs a
 * second Escape), a panicked hand finds it without looking, and one stray Escape (closing a menu) does nothing.
 * A held-down key's repeats do not count; any other key in between starts over.
 */
export class DoubleEscape {
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly withinMs = 1000) {}

  /** True when this key press completes the shortcut (`now` in ms, any monotonic clock). */
  press(key: string, now: number, repeat = false): boolean {
    if (key !== 'Escape') {
      this.last = Number.NEGATIVE_INFINITY;
      return false;
    }
    if (repeat) return false;
    if (now - this.last <= this.withinMs) {
      this.last = Number.NEGATIVE_INFINITY;
      return true;
    }
    this.last = now;
    return false;
  }
}
