/**
 * What creating a session needs (libsodium for the session keys, TypeBox to read the server's answer), loaded by
 * HostModel after the host page has drawn: the page itself never waits for it.
 */
export { readCreateSession } from '@hearth/shared';
export { linksFor, newSessionKeys, sodiumReady } from '@hearth/shared/crypto';
