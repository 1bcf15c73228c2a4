import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ackTag, fromB64, openGroupKey, safetyWords, sealGroupKey, signRevocation, toB64 } from '@hearth/shared/crypto';
import type { PeerInfo, Role } from '@hearth/shared';
import type { SignalingClient } from '../connection/SignalingClient.js';
import { KeyManager, startWorker } from './KeyManager.js';
import { SESSION, browserOf, keys, person, selfInfo, setUpSigning, snapshot, type Person } from './testPeople.js';

// The key manager's policy without a browser: a fake signaling client records what it sends and lets the test
// decide when the server answers, so bursts can be forced to interleave with a rekey in flight.

class FakeSignaling {
  readonly sent: { name: string; payload: Record<string, unknown> }[] = [];
  private readonly handlers = new Map<string, ((p: unknown) => void)[]>();
  private gate: Promise<void> = Promise.resolve();
  /** How many of the next distributions the "server" refuses. */
  refuse = 0;
  private open: (() => void) | undefined;
  on(event: string, h: (p: unknown) => void): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), h]);
  }
  emit(event: string, payload: unknown): void {
    for (const h of this.handlers.get(event) ?? []) h(payload);
  }
  /** Holds every answer until release(). */
  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open?.();
  }
  async request(name: string, payload: Record<string, unknown>): Promise<unknown> {
    this.sent.push({ name, payload });
    await this.gate;
    if (name === 'e2ee.distribute' && this.refuse > 0 && this.refuse--) throw Object.assign(new Error('refused'), { code: 'INVALID_STATE' });
    return name === 'e2ee.distribute' ? { delivered: (payload.envelopes as unknown[]).length } : {};
  }
  distributions() {
    return this.sent.filter((s) => s.name === 'e2ee.distribute').map((s) => s.payload as { epoch: number; envelopes: { to: string; nonce: string; box: string }[] });
  }
}

/**
 * A frame worker as the page sees one: it says it runs ('ready'), fails to load ('error'), or never answers
 * ('silent': its script request hangs). `ready()` makes a silent one answer later (a slow link).
 */
class FakeWorker extends EventTarget {
  terminated = false;
  constructor(private readonly behaviour: 'ready' | 'error' | 'silent') {
    super();
    setTimeout(() => (behaviour === 'error' ? this.dispatchEvent(new Event('error')) : behaviour === 'ready' ? this.ready() : undefined), 0);
  }
  ready(): void {
    if (!this.terminated) this.dispatchEvent(new MessageEvent('message', { data: { type: 'ready' } }));
  }
  postMessage(): void {}
  terminate(): void {
    this.terminated = true;
  }
}

async function manager(name: string, role: Role): Promise<{ km: KeyManager; sig: FakeSignaling; self: PeerInfo }> {
  const b = browserOf(name, role);
  const sig = new FakeSignaling();
  const km = await KeyManager.create(sig as unknown as SignalingClient, SESSION, b.link, b.deviceId, () => new FakeWorker('ready') as unknown as Worker);
  return { km, sig, self: selfInfo(km.identity, name, role) };
}

const settle = () => new Promise((r) => setTimeout(r, 20));
const sk = () => keys.sk;

beforeAll(setUpSigning);

describe('key manager policy', () => {
  it('a co-facilitator does not elect itself while the facilitator is present, and takes over at once when she goes', async () => {
    const fay = person('Fay', 'facilitator');
    const ben = person('Ben', 'member');
    const { km, sig, self } = await manager('Cody', 'cofacilitator');
    await km.enter(snapshot(self, [fay.info, ben.info], 7));
    await km.joined(person('Cal', 'member').info);
    await settle();
    expect(sig.distributions()).toEqual([]);
    await km.left({ peerId: fay.id });
    await settle();
    const [d] = sig.distributions();
    expect(d?.epoch).toBe(8);
    expect(d?.envelopes.map((e) => e.to).sort()).toContain(ben.id);
    expect(d?.envelopes.map((e) => e.to)).not.toContain(fay.id);
    expect(km.state.epoch).toBe(8);
  });

  it('a burst of changes during a rekey in flight gives strictly increasing epochs, one key each, excluding who left', async () => {
    const ann = person('Ann', 'member');
    const { km, sig, self } = await manager('Fay', 'facilitator');
    sig.hold();
    await km.enter(snapshot(self, [ann.info], 3));
    await settle();
    const b = person('Ben', 'member');
    const c = person('Cal', 'member');
    await km.joined(b.info); // while epoch 4 is in flight
    await km.joined(c.info);
    await km.left({ peerId: ann.id });
    sig.release();
    await settle();
    const epochs = sig.distributions().map((d) => d.epoch);
    expect(epochs).toEqual([4, 5]);
    const last = sig.distributions().at(-1)!;
    expect(last.envelopes.map((e) => e.to).sort()).toEqual([b.id, c.id].sort());
    // The newest envelope opens for Ben with exactly the key the leader now uses.
    const env = last.envelopes.find((e) => e.to === b.id)!;
    const opened = openGroupKey(fromB64(env.box), fromB64(env.nonce), km.identity.pair.publicKey, b.pair.privateKey, { recipientId: b.id, leaderId: km.selfId });
    expect(opened.epoch).toBe(5);
    expect(km.state.epoch).toBe(5);
  });

  it('safety words: newcomers of a burst get the same words as the leader; a rekey that does not change who is in keeps them', async () => {
    const { km, sig, self } = await manager('Fay', 'facilitator');
    await km.enter(snapshot(self, [], 0));
    await settle();
    const ben = person('Ben', 'member');
    const cal = person('Cal', 'member');
    sig.hold();
    await km.joined(ben.info); // epoch 2 sealed to Ben alone, in flight ...
    await settle();
    await km.joined(cal.info); // ... while Cal arrives: epoch 3 covers both
    sig.release();
    await settle();
    const last = sig.distributions().at(-1)!;
    const env = last.envelopes.find((e) => e.to === cal.id)!;
    const opened = openGroupKey(fromB64(env.box), fromB64(env.nonce), km.identity.pair.publicKey, cal.pair.privateKey, { recipientId: cal.id, leaderId: km.selfId });
    const view = [self, ben.info, cal.info].map((p) => ({ id: p.id, role: p.role, publicKey: p.e2eeKey.publicKey }));
    expect(await safetyWords(opened.wordsKey, view)).toEqual(km.state.safetyWords);
    const words = km.state.safetyWords;
    await km.joined(person('Eve', 'member', false).info); // outside the group: a rekey, the same members in it
    await settle();
    expect(sig.distributions().at(-1)!.epoch).toBe(last.epoch + 1);
    expect(km.state.safetyWords).toEqual(words);
  });

  it('a refused rekey is retried with the same epoch; after three refusals the facilitator is told', async () => {
    const { km, sig, self } = await manager('Fay', 'facilitator');
    sig.refuse = 2;
    await km.enter(snapshot(self, [person('Ann', 'member').info], 4));
    await vi.waitFor(() => expect(km.state.epoch).toBe(5), { timeout: 3000 });
    expect(sig.distributions().map((d) => d.epoch)).toEqual([5, 5, 5]);
    expect(km.state.alarm).toBeUndefined();
    sig.refuse = 3;
    await km.joined(person('Ben', 'member').info);
    await vi.waitFor(() => expect(km.state.alarm).toEqual({ key: 'keys.handOutFailed', params: { code: 'INVALID_STATE' } }), { timeout: 3000 });
    expect(km.state.epoch).toBe(5); // a key the server did not take is never used
  });

  it('a change that arrives while the leader installs its own new key is not lost', async () => {
    const { km, sig, self } = await manager('Fay', 'facilitator');
    const ben = person('Ben', 'member');
    let joined = false;
    km.onChange = () => {
      // Called from inside install(): Ben's arrival is queued after it, when the rekey loop has looked for the last time.
      if (km.state.epoch === 1 && !joined) {
        joined = true;
        void km.joined(ben.info);
      }
    };
    await km.enter(snapshot(self, [], 0));
    await vi.waitFor(() => expect(sig.distributions().map((d) => d.epoch)).toEqual([1, 2]), { timeout: 2000 });
    expect(sig.distributions()[1]!.envelopes.map((e) => e.to)).toEqual([ben.id]);
  });

  it('peer.left for someone unknown changes nothing; a revoked key is never sealed to again, even if re-announced', async () => {
    const ann = person('Ann', 'member');
    const { km, sig, self } = await manager('Fay', 'facilitator');
    await km.enter(snapshot(self, [ann.info], 0));
    await settle();
    const before = sig.distributions().length;
    await km.left({ peerId: 'nobody-here' });
    await settle();
    expect(sig.distributions().length).toBe(before);
    const revocation = toB64(signRevocation(sk(), { sessionId: SESSION, memberId: ann.id, publicKey: ann.pair.publicKey }));
    await km.left({ peerId: ann.id, revocation });
    await km.joined({ ...ann.info, seq: 99 }); // a malicious server re-adds the removed key, certificate and all
    await settle();
    for (const d of sig.distributions().slice(before)) expect(d.envelopes.map((e) => e.to)).not.toContain(ann.id);
    expect(km.state.outside).toEqual(['Ann']);
  });

  it('a member refuses keys from anyone but the leader, and accepts the new leader after a handover', async () => {
    const fay = person('Fay', 'facilitator');
    const cody = person('Cody', 'cofacilitator');
    const { km, sig, self } = await manager('Ben', 'member');
    await km.enter(snapshot(self, [fay.info, cody.info], 2));
    const seal = (from: Person, epoch: number) => {
      const { nonce, box } = sealGroupKey({ epoch, recipientId: km.selfId, leaderId: from.id, groupKey: new Uint8Array(32).fill(epoch), wordsKey: new Uint8Array(32) }, km.identity.pair.publicKey, from.pair.privateKey);
      return { from: from.id, epoch, nonce: toB64(nonce), box: toB64(box) };
    };
    sig.emit('e2ee.key', seal(cody, 3));
    await settle();
    expect(km.state.epoch).toBe(2);
    expect(km.state.alarm?.key).toBe('keys.notLeader');
    await km.left({ peerId: fay.id });
    sig.emit('e2ee.key', seal(cody, 3));
    await settle();
    expect(km.state.epoch).toBe(3);
    await vi.waitFor(() => expect(sig.sent.some((s) => s.name === 'e2ee.ack')).toBe(true));
    const ack = sig.sent.find((s) => s.name === 'e2ee.ack')!.payload as { epoch: number; tag: string };
    expect(ack).toEqual({ epoch: 3, tag: toB64(await ackTag(new Uint8Array(32).fill(3), 3, km.selfId)) });
  });

  it('an unsigned "facilitator" is never the leader and never gets a key; acks count only with a valid tag', async () => {
    const ann = person('Ann', 'member');
    const forged = person('Eve', 'facilitator', false);
    const { km, sig, self } = await manager('Fay', 'facilitator');
    await km.enter(snapshot(self, [forged.info, ann.info], 0));
    await settle();
    const d = sig.distributions().at(-1)!;
    expect(d.envelopes.map((e) => e.to)).toEqual([ann.id]);
    expect(km.state.outside).toEqual(['Eve']);
    sig.emit('e2ee.acked', { peerId: ann.id, epoch: d.epoch, tag: 'A'.repeat(43) });
    await settle();
    expect(km.pending()).toEqual(['Ann']);
    const env = d.envelopes[0]!;
    const { groupKey } = openGroupKey(fromB64(env.box), fromB64(env.nonce), km.identity.pair.publicKey, ann.pair.privateKey, { recipientId: ann.id, leaderId: km.selfId });
    sig.emit('e2ee.acked', { peerId: ann.id, epoch: d.epoch, tag: toB64(await ackTag(groupKey, d.epoch, ann.id)) });
    await settle();
    expect(km.pending()).toEqual([]);
  });

  it('a chat message opens once: its replay, or the same ciphertext said to be from someone else, does not', async () => {
    const { km: fay, sig: fsig, self: fself } = await manager('Fay', 'facilitator');
    const { km: ben, sig: bsig, self: bself } = await manager('Ben', 'member');
    await fay.enter(snapshot(fself, [bself], 0));
    await settle();
    await ben.enter(snapshot(bself, [fself], 0));
    const env = fsig.distributions().at(-1)!;
    bsig.emit('e2ee.key', { from: fay.selfId, epoch: env.epoch, ...env.envelopes[0]! });
    await settle();
    await fay.chat.send('hello circle');
    const sent = fsig.sent.find((s) => s.name === 'chat.send')!.payload as { epoch: number; nonce: string; ciphertext: string };
    const message = { from: fay.selfId, ...sent };
    expect(await ben.chat.open(message)).toBe('hello circle');
    expect(await ben.chat.open(message)).toBeUndefined();
    expect(await ben.chat.open({ ...message, from: ben.selfId })).toBeUndefined();
  });
});

describe('starting the frame worker', () => {
  const starting = (behaviours: ('ready' | 'error' | 'silent')[]) => {
    const made: FakeWorker[] = [];
    const make = () => {
      const w = new FakeWorker(behaviours[made.length] ?? 'silent');
      made.push(w);
      return w as unknown as Worker;
    };
    return { made, make };
  };

  it('uses the first worker that says it runs, and starts no other', async () => {
    const { made, make } = starting(['ready']);
    expect(await startWorker(make, 50, 3)).toBe(made[0]);
    await new Promise((r) => setTimeout(r, 120));
    expect(made).toHaveLength(1);
    expect(made[0]!.terminated).toBe(false);
  });

  it('a worker that never answers (its script request hangs) gets another beside it; the one that answers is used', async () => {
    const { made, make } = starting(['silent', 'ready']);
    const w = await startWorker(make, 50, 3);
    expect(made).toHaveLength(2);
    expect(w).toBe(made[1]);
    expect(made[0]!.terminated).toBe(true);
  });

  it('a slow worker that answers after another was started still wins, and the other ends', async () => {
    const { made, make } = starting(['silent', 'silent']);
    const started = startWorker(make, 50, 3);
    await vi.waitFor(() => expect(made).toHaveLength(2));
    made[0]!.ready();
    expect(await started).toBe(made[0]);
    expect(made[1]!.terminated).toBe(true);
  });

  it('a worker whose script fails to load is replaced at once', async () => {
    const { made, make } = starting(['error', 'ready']);
    const t0 = Date.now();
    expect(await startWorker(make, 5_000, 3)).toBe(made[1]);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(made[0]!.terminated).toBe(true);
  });

  it('fails (the page does not join) when no worker says it runs, and leaves none running', async () => {
    const silent = starting(['silent', 'silent', 'silent']);
    await expect(startWorker(silent.make, 30, 3)).rejects.toThrow(/did not start/);
    expect(silent.made).toHaveLength(3);
    expect(silent.made.every((w) => w.terminated)).toBe(true);
    const failing = starting(['error', 'error', 'error']);
    await expect(startWorker(failing.make, 5_000, 3)).rejects.toThrow(/did not start/);
    expect(failing.made).toHaveLength(3);
  });
});
