import { describe, expect, it } from 'vitest';
import { SignalingClient, type ConnectionState, type SignalingSocket, type Violation } from './SignalingClient.js';

/** A stand-in for the socket.io client: the test plays the server. */
function fakeSocket(answer: (name: string, payload: unknown) => unknown) {
  const handlers = new Map<string, (p: unknown) => void>();
  const socket = {
    on: (event: string, h: (p: unknown) => void) => handlers.set(event, h),
    timeout: () => ({ emitWithAck: async (name: string, payload: unknown) => answer(name, payload) }),
    disconnect: () => undefined,
  };
  return { socket: socket as unknown as SignalingSocket, serverSends: (event: string, p: unknown) => handlers.get(event)?.(p) };
}

function client(answer: (name: string, payload: unknown) => unknown = () => ({ ok: true, data: {} })) {
  const fake = fakeSocket(answer);
  const c = new SignalingClient(() => undefined, '/', () => fake.socket);
  const violations: Violation[] = [];
  c.onViolation = (v) => violations.push(v);
  return { c, violations, serverSends: fake.serverSends };
}

describe('the signaling client checks what the server sends', () => {
  it('an event of the wrong shape is dropped, never reaches its handler, and is reported', () => {
    const { c, violations, serverSends } = client();
    const seen: unknown[] = [];
    c.on('peer.left', (p) => seen.push(p));
    serverSends('peer.left', { peerId: 5 });
    serverSends('peer.left', { peerId: 'a 1; <script>' });
    serverSends('peer.left', { peerId: 'a1', revocation: 'too short' });
    expect(seen).toEqual([]);
    expect(violations.map((v) => v.what)).toEqual(['peer.left', 'peer.left', 'peer.left']);
    serverSends('peer.left', { peerId: 'a1' });
    expect(seen).toEqual([{ peerId: 'a1' }]);
  });

  it('a key envelope or snapshot that does not fit is dropped before the key manager sees it', () => {
    const { c, violations, serverSends } = client();
    const seen: unknown[] = [];
    c.on('e2ee.key', (p) => seen.push(p));
    c.on('session.admitted', (p) => seen.push(p));
    serverSends('e2ee.key', { from: 'f1', epoch: 3, nonce: 'N'.repeat(32), box: 'X'.repeat(300) });
    serverSends('session.admitted', { routerRtpCapabilities: {}, peers: [], keyEpoch: 1 });
    expect(seen).toEqual([]);
    expect(violations).toHaveLength(2);
  });

  it('an ack of the wrong shape is refused as BAD_MESSAGE and reported; a typed refusal keeps its code', async () => {
    const bad = client(() => ({ ok: true, data: { delivered: 'lots' } }));
    await expect(bad.c.request('chat.note', { notes: [{ to: 'f1', nonce: 'N'.repeat(32), box: 'b'.repeat(60) }] })).rejects.toMatchObject({ code: 'BAD_MESSAGE' });
    expect(bad.violations.map((v) => v.what)).toEqual(['answer to chat.note']);
    const refused = client(() => ({ ok: false, code: 'NOT_ALLOWED' }));
    await expect(refused.c.request('turn.request', {})).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    const nonsense = client(() => 'hello');
    await expect(nonsense.c.request('turn.request', {})).rejects.toMatchObject({ code: 'BAD_MESSAGE' });
    const good = client(() => ({ ok: true, data: { delivered: 2 } }));
    expect(await good.c.request('chat.note', { notes: [{ to: 'f1', nonce: 'N'.repeat(32), box: 'b'.repeat(60) }] })).toEqual({ delivered: 2 });
  });
});

describe('the connection state the room model reads', () => {
  it('a dropped link is reconnecting (socket.io tries again); a deliberate close or another protocol version is final', () => {
    const fake = fakeSocket(() => ({ ok: true, data: {} }));
    const states: [ConnectionState, string | undefined][] = [];
    new SignalingClient((s, r) => states.push([s, r]), '/', () => fake.socket);
    const send = (event: string, p: unknown) => fake.serverSends(event, p);
    send('connect_error', new Error('xhr poll error')); // first attempt failed: still connecting
    send('connect', undefined);
    send('disconnect', 'ping timeout');
    send('connect_error', new Error('websocket error'));
    send('connect', undefined);
    send('disconnect', 'transport close');
    send('disconnect', 'io server disconnect');
    send('connect_error', new Error('PROTOCOL_VERSION_MISMATCH'));
    expect(states.map(([s]) => s)).toEqual([
      'connecting', 'connecting', 'connected', 'reconnecting', 'reconnecting', 'connected', 'reconnecting', 'closed', 'closed',
    ]);
  });
});
