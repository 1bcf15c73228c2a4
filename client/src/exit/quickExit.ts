import { stopAllTracks } from './tracks.js';

/**
 * Where the quick exit lands: a page of this server (Hearth contacts no other host) whose path, title and content
 * say nothing about therapy, a group or Hearth (client/public/blank.html, no script).
 */
export const NEUTRAL_PATH = '/blank.html';
/** The longest the exit waits for the leave's answer and the storage clean-up before replacing the page. */
const WAIT_MS = 400;

let leaving = false;
/** What the session screens registered: how to tell the server we leave (the room, the prepared one). */
const leavers = new Set<() => Promise<unknown>>();

/** The session view registers how it leaves; the returned function unregisters it. */
export function leaveWith(leave: () => Promise<unknown>): () => void {
  leavers.add(leave);
  return () => leavers.delete(leave);
}

/**
 * Leaves at once and leaves nothing behind, in this order:
 * 1. the page goes blank (someone may be looking at the screen now) and every camera and microphone track stops;
 * 2. the registered leaves tell the server (each sends before it closes its socket, and waits a few hundred ms at most);
 * 3. this origin's sessionStorage, localStorage (the device id too, so the link bound to this device is
 *    worthless afterwards, even here), IndexedDB and Cache Storage are cleared;
 * 4. `location.replace()` swaps the session page for the neutral one in this tab's history (back does not return).
 * The browser's global history keeps the address of the session page (no page can delete it): the invite it
 * carried is bound to a device id that no longer exists (see docs/e2ee.md, threat model).
 */
export async function quickExit(): Promise<void> {
  if (leaving) return;
  leaving = true;
  document.documentElement.style.visibility = 'hidden';
  stopAllTracks();
  const said = Promise.all([...leavers].map((leave) => leave().catch(() => undefined)));
  clearStorage();
  await Promise.race([Promise.all([said, clearDatabases()]), new Promise((r) => setTimeout(r, WAIT_MS))]);
  // Whatever started meanwhile (a camera that was still being opened, a device id written again).
  stopAllTracks();
  clearStorage();
  location.replace(NEUTRAL_PATH);
}

function clearStorage(): void {
  for (const storage of [globalThis.sessionStorage, globalThis.localStorage]) {
    try {
      storage?.clear();
    } catch {
      // Storage the browser refuses to touch (a privacy mode) holds nothing of ours either.
    }
  }
}

async function clearDatabases(): Promise<void> {
  const dbs = (await globalThis.indexedDB?.databases?.().catch(() => [])) ?? [];
  for (const db of dbs) if (db.name) globalThis.indexedDB.deleteDatabase(db.name);
  const caches = globalThis.caches;
  if (caches) await Promise.all((await caches.keys()).map((k) => caches.delete(k))).catch(() => undefined);
}
