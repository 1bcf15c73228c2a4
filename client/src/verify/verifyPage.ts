import { RELEASE_MANIFEST, readReleaseManifest, releaseListing } from '@hearth/shared/release';

/**
 * "Verify this page": the code this page actually loaded, hashed in the browser and compared with the release the
 * server publishes (release.json, written by the build). Every script and style sheet the page fetched (resource
 * timing, plus the document's own tags) and the page itself are fetched again from the browser's cache and hashed
 * with crypto.subtle: what is compared is what the browser ran, after it undid any compression.
 *
 * What this can and cannot show is in docs/e2ee.md ("Verifying the client"): a server that changed the code could
 * change this check as well; the digest is meant to be compared out of band.
 */

export type FileState = 'match' | 'differs' | 'unlisted' | 'unreadable';

export interface LoadedFile {
  /** Where the page loaded it from (same origin: the path; another origin: the whole URL). */
  url: string;
  state: FileState;
}

export type PageCheck =
  | { kind: 'checked'; digest: string; digestAddsUp: boolean; files: LoadedFile[] }
  | { kind: 'noManifest' };

const CODE = /\.(m?js|css|wasm|html)$/;

const hex = (buf: ArrayBuffer): string => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (data: BufferSource | string): Promise<string> =>
  hex(await crypto.subtle.digest('SHA-256', typeof data === 'string' ? new TextEncoder().encode(data) : data));

/** The page and every script and style sheet it loaded, each once (query and fragment dropped for the page). */
export function loadedCode(): URL[] {
  const found = new Map<string, URL>();
  const add = (href: string): void => {
    const url = new URL(href, location.href);
    url.hash = '';
    found.set(url.href, url);
  };
  add(location.pathname);
  for (const entry of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
    const url = new URL(entry.name);
    if (CODE.test(url.pathname) || entry.initiatorType === 'script' || entry.initiatorType === 'css') add(entry.name);
  }
  for (const el of document.querySelectorAll<HTMLScriptElement>('script[src]')) add(el.src);
  for (const el of document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"], link[rel="modulepreload"]')) add(el.href);
  return [...found.values()];
}

/** The release path a URL of this origin serves (every page of the app is index.html). */
function releasePath(url: URL): string | undefined {
  if (url.origin !== location.origin) return undefined;
  const file = url.pathname.replace(/^\//, '');
  return file === '' || !/\.[a-z0-9]+$/.test(file) ? 'index.html' : decodeURIComponent(file);
}

async function checkFile(url: URL, listed: Map<string, string>): Promise<LoadedFile> {
  const path = releasePath(url);
  const shown = path === undefined ? url.href : url.pathname;
  const expected = path === undefined ? undefined : listed.get(path);
  if (expected === undefined) return { url: shown, state: 'unlisted' };
  try {
    const res = await fetch(url, { cache: 'force-cache', credentials: 'same-origin' });
    if (!res.ok) return { url: shown, state: 'unreadable' };
    return { url: shown, state: (await sha256(await res.arrayBuffer())) === expected ? 'match' : 'differs' };
  } catch {
    return { url: shown, state: 'unreadable' };
  }
}

/** Fetches the release list and checks every file the page loaded against it. */
export async function checkPage(urls: URL[] = loadedCode()): Promise<PageCheck> {
  const res = await fetch(`/${RELEASE_MANIFEST}`, { cache: 'no-store' }).catch(() => undefined);
  const manifest = res?.ok ? readReleaseManifest(await res.json().catch(() => undefined)) : undefined;
  if (!manifest) return { kind: 'noManifest' };
  const listed = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  const files = await Promise.all(urls.map((url) => checkFile(url, listed)));
  files.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  const digestAddsUp = (await sha256(releaseListing(manifest.files))) === manifest.digest;
  return { kind: 'checked', digest: manifest.digest, digestAddsUp, files };
}
