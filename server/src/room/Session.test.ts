import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode, type EventOf, type Role, type ServerEventName } from '@hearth/shared';
import { sodiumReady } from '@hearth/shared/crypto';
import type { MediaEvents, PeerOutbox, RoomMedia } from './ports.js';
import { Session } from './Session.js';
import { SessionRegistry } from './SessionRegistry.js';

// The Session without a worker: a few lines of media stub that only record what they are asked (tests/support has
// the full fake media port for gateway-level tests; these look at the aggregate itself).

type Call = [string, ...unknown[]];

function stubMedia(calls: Call[] = [], gate?: Promise<void>): RoomMedia {
  const rec = (name: string) => (...args: unknown[]) => void calls.push([name, ...args]);
  return {
    routerRtpCapabilities: {}, workerIndex: 0, lost: false,
    addPeer: rec('addPeer'), removePeer: rec('removePeer'), setRtpCapabilities: rec('setRtpCapabilities'),
    createTransport: async () => ({ id: 't', iceParameters: {}, iceCandidates: [], dtlsParameters: {} }),
    connectTransport: async () => undefined,
    restartIce: async () => ({}),
    refreshKeyFrames: rec('refreshKeyFrames'),
    produce: async (peerId, _t, kind, source, _rtp, paused) => {
      calls.push(['produce', peerId, source, paused]);
      await gate;
      return `${peerId}-${source}`;
    },
    closeProducer: rec('closeProducer'),
    setProducerPaused: async (...args) => void calls.push(['setProducerPaused', ...args]),
    setAudible: async (audible) => void calls.push(['setAudible', audible === 'all' ? 'all' : [...audible].sort()]),
    consume: async () => { throw new Error('not in these tests'); },
    resumeConsumer: async () => undefined,
    setVideoMode: async () => undefined,
    setAlwaysHeard: () => undefined,
    setSpace: async (...args) => void calls.push(['setSpace', ...args]),
    inspect: async () => ({ videoMode: 'full', producers: [], consumers: [] }),
    dump: async () => ({ transports: 0, producers: 0, consumers: 0, pausedConsumers: 0, pausedProducers: [] }),
    close: rec('close'),
  };
}

class Outbox implements PeerOutbox {
  readonly sent: { event: string; payload: unknown }[] = [];
  closed: { code: ErrorCode; message?: string } | undefined;
  send<K extends ServerEventName>(event: K, payload: EventOf<K>): void {
    this.sent.push({ event, payload });
  }
  close(code: ErrorCode, message?: string): void {
    this.closed = { code, ...(message ? { message } : {}) };
  }
  events(event: string): unknown[] {
    return this.sent.filter((s) => s.event === event).map((s) => s.payload);
  }
}

const KEY = (n: number) => ({ publicKey: `${'A'.repeat(42)}${n}`, binding: 'B'.repeat(43) });

function open(calls: Call[] = []) {
  const session = new Session(
    { id: 'session-1', title: 'Group', kind: 'clinical', signingKey: new Uint8Array(32) }, stubMedia(calls), { maxPeers: 10, maxWaiting: 10 },
  );
  /** Someone arriving with their own device and connection; members wait unless `admitBy` lets them in. */
  async function arrive(name: string, role: Role = 'member', opts: { device?: string; admitBy?: string; key?: number } = {}) {
    const outbox = new Outbox();
    const claims = { sessionId: 'session-1', role, inviteId: 'inv', maxUses: 50, expiresAt: new Date() };
    const r = await session.run(() => session.arrive({ claims, displayName: name, deviceId: opts.device ?? name, e2eeKey: KEY(opts.key ?? 1), outbox }));
    if (opts.admitBy) await session.run(() => session.admit(opts.admitBy!, { peerId: r.selfId }));
    return { id: r.selfId, outbox, result: r };
  }
  return { session, arrive, calls };
}

beforeAll(async () => {
  await sodiumReady();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Session', () => {
  it('the same device again replaces its connection: the old one is told REPLACED, the others see it leave and come back', async () => {
    const { arrive } = open();
    const fay = await arrive('Fay', 'facilitator');
    const ann = await arrive('Ann', 'member', { admitBy: fay.id });
    const again = await arrive('Ann', 'member', { device: 'Ann' });
    expect(ann.outbox.closed).toEqual({ code: 'REPLACED' });
    expect(again.result).toMatchObject({ selfId: ann.id, admitted: true, room: { self: { seq: 3 } } });
    expect(fay.outbox.sent.filter((s) => s.event.startsWith('peer.')).map((s) => s.event)).toEqual(['peer.joined', 'peer.left', 'peer.joined']);
  });

  it('performs the floor machine\'s effects: announces the floor, forwards the holder and every facilitator', async () => {
    const { session, arrive, calls } = open();
    const fay = await arrive('Fay', 'facilitator');
    const ann = await arrive('Ann', 'member', { admitBy: fay.id });
    await session.run(() => session.setTurnMode(fay.id, { mode: 'stick' }));
    await session.run(() => session.requestTurn(ann.id));
    expect(calls.filter((c) => c[0] === 'setAudible')).toEqual([['setAudible', [fay.id]], ['setAudible', [ann.id, fay.id].sort()]]);
    expect(ann.outbox.events('turn.state').at(-1)).toMatchObject({ mode: 'stick', holder: ann.id });
    // A facilitator who sits down while the stick is held is heard at once.
    const flo = await arrive('Flo', 'facilitator');
    expect(calls.filter((c) => c[0] === 'setAudible').at(-1)).toEqual(['setAudible', [ann.id, fay.id, flo.id].sort()]);
  });

  it('wakes itself up when the machine asks: a turn with a time limit moves on by itself', async () => {
    vi.useFakeTimers();
    const { session, arrive } = open();
    const fay = await arrive('Fay', 'facilitator');
    const ann = await arrive('Ann', 'member', { admitBy: fay.id });
    const ben = await arrive('Ben', 'member', { admitBy: fay.id });
    await session.run(() => session.setTurnLimit(fay.id, { seconds: 60 }));
    await session.run(() => session.setTurnMode(fay.id, { mode: 'stick' }));
    await session.run(() => session.requestTurn(ann.id));
    await session.run(() => session.requestTurn(ben.id));
    await vi.advanceTimersByTimeAsync(59_000);
    expect(session.floor.current.holder).toBe(ann.id);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(session.floor.current.holder).toBe(ben.id);
    expect(fay.outbox.events('turn.state').at(-1)).toMatchObject({ holder: ben.id });
  });

  it('writes an audit line for every facilitator turn action', async () => {
    const { session, arrive } = open();
    const fay = await arrive('Fay', 'facilitator');
    const ann = await arrive('Ann', 'member', { admitBy: fay.id });
    await session.run(async () => {
      await session.setTurnMode(fay.id, { mode: 'stick' });
      await session.passStick(fay.id, { peerId: ann.id });
      await session.extendTurn(fay.id, { seconds: 60 });
      await session.setTurnLimit(fay.id, { seconds: 120 });
      await session.setTurnLimit(fay.id, { seconds: 0 });
      await session.takeStick(fay.id);
    });
    expect(session.roster().audit.map((a) => `${a.action} ${a.target ?? ''}`.trim())).toEqual([
      'admitted Ann', 'set the floor to stick', 'passed the stick to Ann', 'extended the turn by 60 s', 'set turns to 120 s',
      'lifted the turn limit', 'took the stick back',
    ]);
    await expect(session.run(() => session.passStick(fay.id, { peerId: fay.id }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a refusal from the machine is the error the handler answers with, and changes nothing', async () => {
    const { session, arrive } = open();
    const fay = await arrive('Fay', 'facilitator');
    const cora = await arrive('Cora', 'cofacilitator');
    const before = session.roster();
    await expect(session.run(() => session.mute(cora.id, { peerId: fay.id }))).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await expect(session.run(() => session.remove(cora.id, { peerId: 'nobody' }))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(session.roster()).toEqual(before);
  });

  it('removal tells the others (with the revocation), closes the removed member and cuts their media', async () => {
    const calls: Call[] = [];
    const { session, arrive } = open(calls);
    const fay = await arrive('Fay', 'facilitator');
    const ann = await arrive('Ann', 'member', { admitBy: fay.id });
    const cal = await arrive('Cal', 'member', { admitBy: fay.id });
    await session.run(() => session.remove(fay.id, { peerId: cal.id }));
    expect(ann.outbox.events('peer.left')).toEqual([{ peerId: cal.id }]);
    expect(cal.outbox.closed).toEqual({ code: 'REMOVED' });
    expect(calls.filter((c) => c[0] === 'removePeer')).toEqual([['removePeer', cal.id]]);
    expect(session.standingOf(cal.id)).toBe('outside');
  });
});

describe('SessionRegistry', () => {
  it('ends a session in its queue: after the command under way, never in the middle of it', async () => {
    let release = () => undefined as void;
    const gate = new Promise<void>((r) => (release = r));
    const registry = new SessionRegistry(async (_events: MediaEvents) => stubMedia([], gate), { maxPeers: 10, maxWaiting: 10, idleMs: 60_000, reconnectGraceMs: 60_000 });
    const session = await registry.create('Group', 'clinical', new Uint8Array(32));
    const outbox = new Outbox();
    const claims = { sessionId: session.id, role: 'facilitator' as const, inviteId: 'inv', maxUses: 5, expiresAt: new Date() };
    const fay = await session.run(() => session.arrive({ claims, displayName: 'Fay', deviceId: 'd', e2eeKey: KEY(1), outbox }));
    const producing = session.run(() => session.produce(fay.selfId, { transportId: 't', kind: 'audio', source: 'mic', rtpParameters: { codecs: [] } }));
    const ending = registry.end(session, ErrorCode.SESSION_LOST);
    await Promise.resolve();
    expect(outbox.closed).toBeUndefined();
    release();
    await expect(producing).resolves.toEqual({ producerId: `${fay.selfId}-mic` });
    await ending;
    expect(outbox.closed).toEqual({ code: 'SESSION_LOST' });
    expect(registry.list()).toEqual([]);
  });
});
