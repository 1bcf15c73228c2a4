/**
 * Runs tasks one at a time in arrival order. Every command that changes a room goes through its queue, so
 * no two handlers interleave their awaits on the same room (e.g. a consume racing the producer's close).
 * A failing task rejects its own caller only.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  push<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
