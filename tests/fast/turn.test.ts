import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { closeCircle, openFastCircle, type Circle } from '../support/circle.js';
import type { FastServer } from '../support/server.js';

// TURN credentials reach each member with the room, minted for them then (issue 12, item 3): short-lived, from the
// secret Hearth shares with coturn, never the secret itself; none when no TURN server is configured.

const SECRET = 'shared-with-coturn-static-auth-secret-000';
const URLS = ['turn:127.0.0.1:3478?transport=udp', 'turns:turn.example.org:443?transport=tcp'];
let server: FastServer;
let circle: Circle;
afterEach(() => closeCircle({ server, circle }));

describe('TURN credentials with the room', () => {
  it('each member gets their own, valid for the configured time, that coturn would accept; the secret never travels', async () => {
    ({ server, circle } = await openFastCircle({ turn: { urls: URLS, secret: SECRET, ttlSeconds: 900 } }));
    const ann = await circle.member('Ann');
    const fay = circle.facilitator.room.iceServers!;
    const mine = ann.room.iceServers!;
    expect(mine).toHaveLength(1);
    expect(mine[0]!.urls).toEqual(URLS);
    const expiry = Number(mine[0]!.username.split(':')[0]);
    expect(expiry - Date.now() / 1000).toBeGreaterThan(890);
    expect(expiry - Date.now() / 1000).toBeLessThanOrEqual(900);
    expect(mine[0]!.credential).toBe(createHmac('sha1', SECRET).update(mine[0]!.username).digest('base64'));
    expect(mine[0]!.username).not.toBe(fay[0]!.username);
    expect(mine[0]!.username).not.toContain(ann.selfId);
    expect(JSON.stringify(ann.bot.eventsOf('session.admitted'))).not.toContain(SECRET);
  });

  it('without a TURN server, no ICE servers at all (no third-party STUN either)', async () => {
    ({ server, circle } = await openFastCircle());
    const ann = await circle.member('Ann');
    expect(ann.room.iceServers).toBeUndefined();
    expect(circle.facilitator.room.iceServers).toBeUndefined();
  });
});
