import { beforeAll, describe, expect, it } from 'vitest';
import { fromB64, openGroupKey, sealGroupKey, signRevocation, toB64 } from '@hearth/shared/crypto';
import type { Role } from '@hearth/shared';
import { KeyPolicy } from './KeyPolicy.js';
import { SESSION, SECRET, browserOf, keys, person, selfInfo, setUpSigning, snapshot, type Person } from './testPeople.js';

// The key policy alone: plain calls in, effects out. No signaling client, no worker, no timers.

beforeAll(setUpSigning);

function policy(name: string, role: Role) {
  const p = new KeyPolicy(browserOf(name, role).identity(), SECRET);
  return { p, self: selfInfo(p.identity, name, role) };
}

const sealFrom = (from: Person, to: KeyPolicy, epoch: number) => {
  const { nonce, box } = sealGroupKey(
    { epoch, recipientId: to.selfId, leaderId: from.id, groupKey: new Uint8Array(32).fill(epoch), wordsKey: new Uint8Array(32) },
    to.identity.pair.publicKey, from.pair.privateKey,
  );
  return { from: from.id, epoch, nonce: toB64(nonce), box: toB64(box) };
};

describe('key policy', () => {
  it('joins: only the leader asks for a rekey, and its key is sealed to exactly the signed members present', () => {
    const ann = person('Ann', 'member');
    const eve = person('Eve', 'facilitator', false);
    const { p, self } = policy('Fay', 'facilitator');
    expect(p.enter(snapshot(self, [ann.info], 6))).toEqual([{ type: 'rekey' }]);
    expect(p.joined(eve.info)).toEqual([{ type: 'rekey' }]);
    const r = p.prepareRekey()!;
    expect(r.epoch).toBe(7);
    expect(r.envelopes.map((e) => e.to)).toEqual([ann.id]);
    const opened = openGroupKey(fromB64(r.envelopes[0]!.box), fromB64(r.envelopes[0]!.nonce), p.identity.pair.publicKey, ann.pair.privateKey, { recipientId: ann.id, leaderId: p.selfId });
    expect(opened.groupKey).toEqual(r.groupKey);
    const member = policy('Ben', 'member');
    expect(member.p.enter(snapshot(member.self, [self, ann.info], 6))).toEqual([]);
    expect(member.p.joined(person('Cal', 'member').info)).toEqual([]);
  });

  it('leaves: an unknown id changes nothing; the leader leaving makes the next one lead, at once', async () => {
    const fay = person('Fay', 'facilitator');
    const ben = person('Ben', 'member');
    const { p, self } = policy('Cody', 'cofacilitator');
    p.enter(snapshot(self, [fay.info, ben.info], 3));
    expect(p.isLeader()).toBe(false);
    expect(p.prepareRekey()).toBeUndefined();
    expect(p.left({ peerId: 'nobody' })).toEqual([]);
    expect(p.left({ peerId: fay.id })).toEqual([{ type: 'rekey' }]);
    const r = p.prepareRekey()!;
    expect(r.epoch).toBe(4);
    expect(await p.accepted(r)).toEqual([{ type: 'install', epoch: 4, groupKey: r.groupKey }]);
    expect(p.state.epoch).toBe(4);
  });

  it('envelopes: refused from a non-leader or when altered (alarm, nothing installed); older epochs ignored; good ones installed and acked', async () => {
    const fay = person('Fay', 'facilitator');
    const cody = person('Cody', 'cofacilitator');
    const { p, self } = policy('Ben', 'member');
    p.enter(snapshot(self, [fay.info, cody.info], 5));
    expect(await p.envelope(sealFrom(cody, p, 6))).toEqual([]);
    expect(p.state.alarm?.key).toBe('keys.notLeader');
    const altered = sealFrom(fay, p, 6);
    altered.box = altered.box.slice(0, -2) + (altered.box.endsWith('AA') ? 'BB' : 'AA');
    expect(await p.envelope(altered)).toEqual([]);
    expect(p.state.alarm?.key).toBe('keys.altered');
    expect(await p.envelope(sealFrom(fay, p, 5))).toEqual([]); // not newer than ours
    const effects = await p.envelope(sealFrom(fay, p, 6));
    expect(effects.map((e) => e.type)).toEqual(['install', 'ack']);
    expect(p.state.epoch).toBe(6);
  });

  it('revocations: a removed key stays out of every later key, even when the server re-announces it', () => {
    const ann = person('Ann', 'member');
    const { p, self } = policy('Fay', 'facilitator');
    p.enter(snapshot(self, [ann.info], 0));
    const revocation = toB64(signRevocation(keys.sk, { sessionId: SESSION, memberId: ann.id, publicKey: ann.pair.publicKey }));
    p.left({ peerId: ann.id, revocation });
    p.joined({ ...ann.info, seq: 50 });
    expect(p.prepareRekey()!.envelopes).toEqual([]);
    expect(p.state.outside).toEqual(['Ann']);
    // A revocation that does not verify (signed for another member) changes nothing.
    const bob = person('Bob', 'member');
    p.joined(bob.info);
    p.left({ peerId: bob.id, revocation });
    p.joined({ ...bob.info, seq: 51 });
    expect(p.prepareRekey()!.envelopes.map((e) => e.to)).toEqual([bob.id]);
  });
});

describe('key policy: dropped links (away)', () => {
  it('the leader going away passes the lead to the next present member without a rekey; their return takes it back', () => {
    const fay = person('Fay', 'facilitator');
    const ann = person('Ann', 'member');
    const { p, self } = policy('Cody', 'cofacilitator');
    p.enter(snapshot(self, [fay.info, ann.info], 3));
    expect(p.isLeader()).toBe(false);
    expect(p.presence(fay.id, true)).toEqual([]);
    expect(p.isLeader()).toBe(true);
    // Nobody left the group: Fay is still sealed to.
    expect(p.prepareRekey()!.envelopes.map((e) => e.to).sort()).toEqual([fay.id, ann.id].sort());
    expect(p.presence(fay.id, false)).toEqual([]);
    expect(p.isLeader()).toBe(false);
  });

  it('the leader rekeys on a return only if a key was handed out while the member was away', async () => {
    const ann = person('Ann', 'member');
    const { p, self } = policy('Fay', 'facilitator');
    p.enter(snapshot(self, [ann.info], 2));
    expect(p.presence(ann.id, true)).toEqual([]);
    expect(p.presence(ann.id, false)).toEqual([]); // nothing happened meanwhile
    expect(p.presence(ann.id, true)).toEqual([]);
    await p.accepted(p.prepareRekey()!); // someone joined meanwhile: epoch 3
    expect(p.presence(ann.id, false)).toEqual([{ type: 'rekey' }]);
    // Back without having been seen away (a quick resume): a key may have been lost on the dead connection.
    expect(p.presence(ann.id, false)).toEqual([{ type: 'rekey' }]);
    expect(p.presence('nobody', false)).toEqual([]);
  });

  it('our own return: members gone meanwhile are dropped, and as leader we rekey when keys moved on without us', () => {
    const ann = person('Ann', 'member');
    const ben = person('Ben', 'member');
    const { p, self } = policy('Fay', 'facilitator');
    p.enter(snapshot(self, [ann.info, ben.info], 2));
    expect(p.resumed(snapshot(self, [ann.info, ben.info], 2))).toEqual([]);
    expect(p.resumed(snapshot(self, [ann.info], 2))).toEqual([{ type: 'rekey' }]);
    expect(p.roster.get(ben.id)).toBeUndefined();
    expect(p.resumed(snapshot(self, [ann.info], 5))).toEqual([{ type: 'rekey' }]);
    expect(p.state.epoch).toBe(5);
    const member = policy('Cal', 'member');
    member.p.enter(snapshot(member.self, [ann.info], 2));
    expect(member.p.resumed(snapshot(member.self, [ann.info], 4))).toEqual([]);
  });
});

describe('key policy: an envelope that overtakes our own seating', () => {
  it('is held until we know the circle, then opened: no alarm', async () => {
    const fay = person('Fay', 'facilitator');
    const { p, self } = policy('Cody', 'cofacilitator');
    expect(await p.envelope(sealFrom(fay, p, 4))).toEqual([]);
    expect(p.state.alarm).toBeUndefined();
    p.enter(snapshot(self, [fay.info], 3));
    const held = p.takeEarly();
    expect(held).toHaveLength(1);
    expect((await p.envelope(held[0]!)).map((e) => e.type)).toEqual(['install', 'ack']);
    expect(p.state.epoch).toBe(4);
    expect(p.takeEarly()).toEqual([]);
  });
});
