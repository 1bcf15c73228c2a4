import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, type RequestOf } from '@hearth/shared';
import { closeCircle, createSession, openFastCircle, type Circle, type Seat } from '../support/circle.js';
import { fromB64, signCertificate, signingKeyFromSeed, toB64 } from '../support/e2eeKeys.js';
import { sleep, type FastServer } from '../support/server.js';

// Group keys that hold in real groups: only the key leader (shared/src/domain/leader.ts, computed by the server
// from the same roster the browsers see) may hand out a key, one epoch at a time; acknowledgements and
// revocations reach the right people; certificates the server cannot verify are not passed on as if they were.
// On the in-memory media port: keys need nothing of the SFU (issue 9: no real-worker twin).

let server: FastServer;
let circle: Circle;
const fay = () => circle.facilitator;

beforeEach(async () => {
  ({ server, circle } = await openFastCircle({}, { rateLimit: { burst: 1000, perSecond: 1000 } }));
});
afterEach(() => closeCircle({ server, circle }));

/** One sealed (opaque to the server) envelope per recipient. */
function keys(epoch: number, ...to: string[]): RequestOf<'e2ee.distribute'> {
  return { epoch, envelopes: to.map((id) => ({ to: id, nonce: 'N'.repeat(32), box: 'X'.repeat(120) })) };
}
const TAG = 'T'.repeat(43);

/** A second facilitator (same invite as Fay, another device), self-signed as a facilitator's browser does. */
async function secondFacilitator(name = 'Flo'): Promise<Omit<Seat, 'room'>> {
  return circle.waiting(name, { token: circle.session.facilitator.token, selfSigned: 'facilitator' });
}

describe('who may hand out a group key', () => {
  it("a member's e2ee.distribute is refused at any epoch, and a newcomer's keyEpoch is unchanged", async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    for (const epoch of [1, 2, 1000, 4294967295]) {
      expect(await ann.bot.request('e2ee.distribute', keys(epoch, ben.selfId, fay().selfId))).toMatchObject({
        ok: false, code: ErrorCode.NOT_ALLOWED,
      });
    }
    await sleep(100);
    expect(ben.bot.eventsOf('e2ee.key')).toEqual([]);
    expect(fay().bot.eventsOf('e2ee.key')).toEqual([]);
    const cal = await circle.member('Cal');
    expect(cal.room.keyEpoch).toBe(0);
  });

  it("the leader's epoch must be exactly current + 1: a jump is refused and changes nothing", async () => {
    const ann = await circle.member('Ann');
    expect(await fay().bot.request('e2ee.distribute', keys(2, ann.selfId))).toMatchObject({ ok: false, code: ErrorCode.INVALID_STATE });
    expect((await circle.member('Ben')).room.keyEpoch).toBe(0);
    expect(await fay().bot.ok('e2ee.distribute', keys(1, ann.selfId))).toEqual({ delivered: 1 });
    expect(await ann.bot.waitFor('e2ee.key')).toMatchObject({ from: fay().selfId, epoch: 1 });
    expect(await fay().bot.request('e2ee.distribute', keys(1, ann.selfId))).toMatchObject({ ok: false, code: ErrorCode.INVALID_STATE });
    expect(await fay().bot.request('e2ee.distribute', keys(3, ann.selfId))).toMatchObject({ ok: false, code: ErrorCode.INVALID_STATE });
    expect((await circle.member('Cal')).room.keyEpoch).toBe(1);
    expect(await fay().bot.ok('e2ee.distribute', keys(2, ann.selfId))).toEqual({ delivered: 1 });
  });

  it('a second facilitator (later arrival) is refused while the first is present, and leads once she leaves', async () => {
    const ann = await circle.member('Ann');
    const flo = await secondFacilitator();
    expect(flo.ack.room?.self.seq).toBeGreaterThan(fay().room.self.seq);
    expect(await flo.bot.request('e2ee.distribute', keys(1, ann.selfId))).toMatchObject({ ok: false, code: ErrorCode.NOT_ALLOWED });
    await fay().bot.ok('e2ee.distribute', keys(1, ann.selfId, flo.selfId));
    await fay().bot.ok('session.leave', {});
    await ann.bot.waitFor('peer.left', (p) => p.peerId === fay().selfId);
    expect(await flo.bot.request('e2ee.distribute', keys(3, ann.selfId))).toMatchObject({ ok: false, code: ErrorCode.INVALID_STATE });
    expect(await flo.bot.ok('e2ee.distribute', keys(2, ann.selfId))).toEqual({ delivered: 1 });
    expect(await ann.bot.waitFor('e2ee.key', (k) => k.epoch === 2)).toMatchObject({ from: flo.selfId });
  });

  it('an unsigned facilitator (no valid certificate) is never the leader', async () => {
    const ann = await circle.member('Ann');
    const ugo = await circle.waiting('Ugo', { token: circle.session.facilitator.token });
    await fay().bot.ok('session.leave', {});
    expect(await ugo.bot.request('e2ee.distribute', keys(1, ann.selfId))).toMatchObject({ ok: false, code: ErrorCode.NOT_ALLOWED });
  });

  it('envelopes reach only admitted members other than the sender; unknown ids are skipped', async () => {
    const ann = await circle.member('Ann');
    const wes = await circle.waiting('Wes');
    expect(await fay().bot.ok('e2ee.distribute', keys(1, ann.selfId, wes.selfId, 'nobody-here', fay().selfId))).toEqual({ delivered: 1 });
    await ann.bot.waitFor('e2ee.key');
    await sleep(100);
    expect(wes.bot.eventsOf('e2ee.key')).toEqual([]);
    expect(fay().bot.eventsOf('e2ee.key')).toEqual([]);
  });
});

describe('acknowledgements', () => {
  it('an ack for an epoch above the current one is refused and not relayed', async () => {
    const ann = await circle.member('Ann');
    await fay().bot.ok('e2ee.distribute', keys(1, ann.selfId));
    expect(await ann.bot.request('e2ee.ack', { epoch: 2, tag: TAG })).toMatchObject({ ok: false, code: ErrorCode.INVALID_STATE });
    expect(await ann.bot.request('e2ee.ack', { epoch: 4294967295, tag: TAG })).toMatchObject({ ok: false, code: ErrorCode.INVALID_STATE });
    await sleep(100);
    expect(fay().bot.eventsOf('e2ee.acked')).toEqual([]);
  });

  it('an ack of the current epoch reaches the moderators, tag and all, and no member', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    await fay().bot.ok('e2ee.distribute', keys(1, ann.selfId, ben.selfId));
    await ann.bot.ok('e2ee.ack', { epoch: 1, tag: TAG });
    expect(await fay().bot.waitFor('e2ee.acked')).toEqual({ peerId: ann.selfId, epoch: 1, tag: TAG });
    await sleep(100);
    expect(ben.bot.eventsOf('e2ee.acked')).toEqual([]);
  });
});

describe('signed membership', () => {
  it('a facilitator-signed certificate is passed on; one that does not verify is not kept', async () => {
    const ann = await circle.member('Ann');
    expect(ann.room.self).toMatchObject({ id: ann.selfId, certificate: circle.certify(ann) });
    const other = signingKeyFromSeed(fromB64((await createSession(server)).signingSeed));
    const forged = (seat: Omit<Seat, 'room'>) => toB64(signCertificate(other.secretKey, {
      sessionId: circle.session.sessionId, memberId: seat.selfId, role: 'member', publicKey: seat.key.pair.publicKey,
    }));
    const cases: [string, (s: Omit<Seat, 'room'>) => string][] = [
      ['another session key', forged],
      ['the wrong role', (s) => circle.certify(s, 'facilitator')],
      ['someone else', () => circle.certify(ann)],
    ];
    for (const [name, cert] of cases) {
      const w = await circle.waiting(`W ${name.slice(0, 20)}`);
      const admitted = w.bot.waitFor('session.admitted');
      await fay().bot.ok('facilitator.admit', { peerId: w.selfId, certificate: cert(w) });
      const room = await admitted;
      expect(room.self.certificate, name).toBeUndefined();
      const seen = await ann.bot.waitFor('peer.joined', (p) => p.id === w.selfId);
      expect(seen.certificate, name).toBeUndefined();
    }
  });

  it("the facilitator's own certificate is in her PeerInfo, and every arrival gets the next seq", async () => {
    expect(fay().room.self).toMatchObject({ id: fay().selfId, role: 'facilitator', certificate: expect.any(String) });
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    expect(ann.room.peers[0]).toMatchObject({ id: fay().selfId, seq: fay().room.self.seq, certificate: fay().room.self.certificate });
    expect(ben.room.self.seq).toBeGreaterThan(ann.room.self.seq);
    // Back from the same device with the same key: straight in, a new seq, the same certificate.
    await ann.bot.ok('session.leave', {});
    const again = await ann.bot.ok('session.join', {
      sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: 'Ann', deviceId: ann.deviceId, e2eeKey: ann.key.wire,
    });
    expect(again.admitted).toBe(true);
    expect(again.room?.self).toMatchObject({ id: ann.selfId, certificate: circle.certify(ann) });
    expect(again.room!.self.seq).toBeGreaterThan(ben.room.self.seq);
  });

  it('a returning device with a new key and no certificate waits to be admitted (and signed) again', async () => {
    const ann = await circle.member('Ann');
    ann.bot.close();
    await fay().bot.waitFor('peer.left', (p) => p.peerId === ann.selfId);
    const key = await circle.key();
    const back = await circle.waiting('Ann', { deviceId: ann.deviceId, key });
    expect(back.ack).toMatchObject({ selfId: ann.selfId, admitted: false });
    const roster = await fay().bot.waitFor('facilitator.roster', (r) => r.waiting.some((w) => w.e2eeKey.publicKey === key.wire.publicKey));
    expect(roster.waiting).toEqual([{ id: ann.selfId, displayName: 'Ann', e2eeKey: key.wire }]);
    const admitted = back.bot.waitFor('session.admitted');
    await fay().bot.ok('facilitator.admit', { peerId: back.selfId, certificate: circle.certify(back) });
    expect((await admitted).self.certificate).toBe(circle.certify(back));
  });

  it('admitAll with certificates admits exactly those listed; without, everyone waiting (unsigned)', async () => {
    const [w1, w2, w3] = [await circle.waiting('Wes'), await circle.waiting('Wil'), await circle.waiting('Wyn')];
    await fay().bot.waitFor('facilitator.roster', (r) => r.waiting.length === 3);
    const signed = [w1, w3].map((w) => ({ peerId: w.selfId, certificate: circle.certify(w) }));
    expect(await fay().bot.ok('facilitator.admitAll', { certificates: signed })).toEqual({ admitted: 2 });
    expect((await w1.bot.waitFor('session.admitted')).self.certificate).toBe(signed[0]!.certificate);
    expect((await w3.bot.waitFor('session.admitted')).self.certificate).toBe(signed[1]!.certificate);
    expect(w2.bot.eventsOf('session.admitted')).toEqual([]);
    expect(await fay().bot.ok('facilitator.admitAll', {})).toEqual({ admitted: 1 });
    expect((await w2.bot.waitFor('session.admitted')).self.certificate).toBeUndefined();
  });
});

describe('revocations', () => {
  it('a valid revocation reaches peer.left and every later snapshot; an invalid one is dropped', async () => {
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const cal = await circle.member('Cal');
    const revocation = circle.revocation(ann);
    await fay().bot.ok('facilitator.remove', { peerId: ann.selfId, revocation });
    expect(await ben.bot.waitFor('peer.left', (p) => p.peerId === ann.selfId)).toEqual({ peerId: ann.selfId, revocation });
    // Signed over Ann's key, but presented for Cal: does not verify.
    await fay().bot.ok('facilitator.remove', { peerId: cal.selfId, revocation });
    expect(await ben.bot.waitFor('peer.left', (p) => p.peerId === cal.selfId)).toEqual({ peerId: cal.selfId });
    const dee = await circle.member('Dee');
    expect(dee.room.revocations).toEqual([{ peerId: ann.selfId, publicKey: ann.key.wire.publicKey, revocation }]);
  });
});

// A malicious server seating a "facilitator" nobody admitted: tests/fast/malicious.test.ts.
