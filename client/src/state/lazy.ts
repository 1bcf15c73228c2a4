/**
 * A module fetched on first need, and only once: `load()` starts the import (or returns the one under way), and
 * `loadAfterPaint()` starts it once the browser has drawn the current screen, so the fetch never competes with
 * first paint. A failed import is forgotten, so the next `load()` tries again instead of failing for ever.
 */
export interface LazyModule<T> {
  load(): Promise<T>;
  loadAfterPaint(): void;
}

export function lazyModule<T>(importer: () => Promise<T>): LazyModule<T> {
  let pending: Promise<T> | undefined;
  const load = (): Promise<T> =>
    (pending ??= importer().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
  // requestAnimationFrame runs just before the next paint; the timeout after it runs once that paint is done.
  const loadAfterPaint = (): void => {
    requestAnimationFrame(() => setTimeout(() => void load().catch(() => undefined), 0));
  };
  return { load, loadAfterPaint };
}
