import { ANY_KEY } from '../support/circle.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODERATION_ACTIONS, ROLE_ACTIONS, type ModerationAction, type Role } from '@hearth/shared';
import { Bot, BOT_RTP } from '../support/Bot.js';
import { Circle, newDeviceId } from '../support/circle.js';
import { startFastServer, type FastServer } from '../support/server.js';
import { Wiretap } from '../support/wiretap.js';

// Generated from the permissions table: every safety action, attempted by every kind of actor, from a client
// that bypasses the UI. A new action in MODERATION_ACTIONS is tested here without anyone writing a line.
// On the in-memory media port, and read at the wire: a refused action sends nobody anything and changes no
// media or session state; an allowed one tells someone and changes the session (issue 9: no real-worker twin).

type Actor = 'facilitator' | 'secretary' | 'cofacilitator' | 'member' | 'waiting member' | 'removed member' | 'unauthenticated';
const ACTORS: Actor[] = ['facilitator', 'secretary', 'cofacilitator', 'member', 'waiting member', 'removed member', 'unauthenticated'];
const ROLE_OF: Partial<Record<Actor, Role>> = { facilitator: 'facilitator', secretary: 'secretary', cofacilitator: 'cofacilitator', member: 'member' };
const REFUSAL: Record<Actor, string> = {
  facilitator: 'NOT_ALLOWED', secretary: 'NOT_ALLOWED', cofacilitator: 'NOT_ALLOWED', member: 'NOT_ALLOWED',
  'waiting member': 'NOT_ADMITTED', 'removed member': 'INVALID_STATE', unauthenticated: 'INVALID_STATE',
};

interface Scene { circle: Circle; actor: Bot; victimId: string; waitingId: string; otherId: string; ids: Set<string> }

let server: FastServer;
const tap = new Wiretap();
beforeAll(async () => {
  server = await startFastServer({}, { rateLimit: { burst: 10_000, perSecond: 10_000 }, decorateOutbox: tap.decorateOutbox });
});
afterAll(async () => {
  await server.close();
});

async function scene(actor: Actor): Promise<Scene> {
  const circle = await Circle.open(server, actor === 'secretary' ? 'peer' : 'clinical');
  const victim = await circle.member('Vic');
  const t = await victim.bot.ok('media.createTransport', { direction: 'send' });
  await victim.bot.ok('media.produce', { transportId: t.id, kind: 'audio', source: 'mic', rtpParameters: BOT_RTP.audio });
  await victim.bot.ok('media.produce', { transportId: t.id, kind: 'video', source: 'camera', rtpParameters: BOT_RTP.video });
  const other = await circle.member('Val');
  // Talking stick with a time limit, Vic holding it: every turn action has something to change.
  await circle.facilitator.bot.ok('facilitator.setTurnLimit', { seconds: 120 });
  await circle.facilitator.bot.ok('facilitator.setTurnMode', { mode: 'stick' });
  await victim.bot.ok('turn.request', {});
  const waiting = await circle.waiting('Wes');
  const ids = new Set([circle.facilitator.selfId, victim.selfId, other.selfId, waiting.selfId]);
  const base = { circle, victimId: victim.selfId, waitingId: waiting.selfId, otherId: other.selfId, ids };
  switch (actor) {
    case 'facilitator':
    case 'secretary':
      return { ...base, actor: circle.facilitator.bot };
    case 'cofacilitator': {
      const inv = await circle.facilitator.bot.ok('facilitator.createInvite', { role: 'cofacilitator', maxUses: 1, ttlMinutes: 5 });
      const seat = await circle.waiting('Cora', { token: inv.token });
      ids.add(seat.selfId);
      return { ...base, actor: seat.bot };
    }
    case 'member': {
      const mel = await circle.member('Mel');
      ids.add(mel.selfId);
      return { ...base, actor: mel.bot };
    }
    case 'waiting member': {
      const mel = await circle.waiting('Mel');
      ids.add(mel.selfId);
      return { ...base, actor: mel.bot };
    }
    case 'removed member': {
      const mel = await circle.member('Mel');
      const gone = mel.bot.disconnected();
      await circle.facilitator.bot.ok('facilitator.remove', { peerId: mel.selfId });
      await gone;
      const again = await circle.connect();
      const ack = await again.request('session.join', {
        sessionId: circle.session.sessionId, token: circle.session.member.token, displayName: 'Mel', deviceId: mel.deviceId, e2eeKey: ANY_KEY,
      });
      expect(ack).toMatchObject({ ok: false, code: 'REMOVED' });
      return { ...base, actor: again };
    }
    case 'unauthenticated':
      return { ...base, actor: await circle.connect() };
  }
}

function payload(action: ModerationAction, s: Scene): unknown {
  const table: Record<ModerationAction, unknown> = {
    'facilitator.admit': { peerId: s.waitingId },
    'facilitator.admitAll': {},
    'facilitator.deny': { peerId: s.waitingId, message: 'Not today.' },
    'facilitator.mute': { peerId: s.victimId },
    'facilitator.askUnmute': { peerId: s.victimId },
    'facilitator.muteAll': {},
    'facilitator.stopCamera': { peerId: s.victimId },
    'facilitator.allowCamera': { peerId: s.victimId },
    'facilitator.setLowData': { peerId: s.victimId, lowData: true },
    'facilitator.remove': { peerId: s.victimId },
    'facilitator.lock': { locked: true },
    'facilitator.end': {},
    'facilitator.createInvite': { role: 'member', maxUses: 1, ttlMinutes: 5 },
    'facilitator.revokeInvite': { inviteId: s.circle.session.member.inviteId },
    'facilitator.setTurnMode': { mode: 'open' },
    'facilitator.passStick': { peerId: s.otherId },
    'facilitator.takeStick': {},
    'facilitator.extendTurn': { seconds: 60 },
    'facilitator.setTurnLimit': { seconds: 30 },
    'facilitator.stepOut': { peerId: s.victimId },
  };
  return table[action];
}

/** What the scene's people have been sent so far (at the wire), the session's media, and its state on the server. */
async function fingerprint(s: Scene) {
  const session = server.app.sessions.get(s.circle.session.sessionId);
  return {
    sent: tap.sent.filter((t) => t.to !== undefined && s.ids.has(t.to)).length,
    media: await server.media.totals(),
    paused: await server.media.pausedProducers(),
    // Everything a safety action could change, read from the server itself.
    state: session
      ? {
        ended: false,
        roster: session.roster(),
        revoked: session.invites.isRevoked(s.circle.session.member.inviteId),
        turns: { ...session.floor.current, away: [] },
      }
      : { ended: true },
  };
}

describe.each(ACTORS)('%s', (actor) => {
  for (const action of MODERATION_ACTIONS) {
    const role = ROLE_OF[actor];
    const allowed = role !== undefined && ROLE_ACTIONS[role].includes(action);
    it(`${allowed ? 'may' : 'may not'} ${action}`, async () => {
      const s = await scene(actor);
      try {
        const before = await fingerprint(s);
        const ack = await s.actor.raw(action, payload(action, s));
        if (allowed) {
          expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true });
          const after = await fingerprint(s);
          expect(after.sent, 'somebody is told').toBeGreaterThan(before.sent);
          expect({ state: after.state, paused: after.paused }, 'the session changed').not.toEqual({ state: before.state, paused: before.paused });
        } else {
          expect(ack).toMatchObject({ ok: false, code: REFUSAL[actor] });
          expect(await fingerprint(s)).toEqual(before);
        }
      } finally {
        s.circle.close();
      }
    });
  }
});

it('the device id is the only identity a client offers, and a guessed one gets nothing', async () => {
  const s = await scene('member');
  try {
    const stranger = await s.circle.connect();
    const ack = await stranger.request('session.join', {
      sessionId: s.circle.session.sessionId, token: s.circle.session.member.token, displayName: 'Fay', deviceId: newDeviceId(), e2eeKey: ANY_KEY,
    });
    expect(ack).toMatchObject({ ok: true, data: { role: 'member', admitted: false } });
  } finally {
    s.circle.close();
  }
});
