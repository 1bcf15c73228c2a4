import { parseLinkFragment, randomId, type LinkFragment } from '@hearth/shared/links';

const KEY = (sessionId: string) => `hearth.link.${sessionId}`;

/**
 * The invite and session secret from the link's fragment. Once read, they move to this tab's sessionStorage
 * and leave the address bar, so a screen share or a glance over the shoulder does not show them; a reload of
 * the tab still finds them.
 */
export function readSessionLink(sessionId: string): LinkFragment | undefined {
  const fromHash = parseLinkFragment(location.hash);
  if (fromHash) {
    sessionStorage.setItem(KEY(sessionId), JSON.stringify(fromHash));
    history.replaceState(null, '', location.pathname);
    return fromHash;
  }
  const stored = sessionStorage.getItem(KEY(sessionId));
  return stored ? (JSON.parse(stored) as LinkFragment) : undefined;
}

/**
 * A random id for this browser on this origin: a reload is the same member, and a removed member's device
 * stays out. It is never shown to anyone, and carries nothing about the device.
 */
export function deviceId(): string {
  let id = localStorage.getItem('hearth.device');
  if (!id) {
    id = randomId(18);
    localStorage.setItem('hearth.device', id);
  }
  return id;
}
