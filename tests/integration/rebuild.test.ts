import type { EventOf } from '@hearth/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { Circle, type Seat } from '../support/circle.js';
import { readyToReceive, send } from '../support/media.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

// Issue 13, item 3: a mediasoup worker killed mid-session. Its rooms are rebuilt on another worker (or on itself,
// restarted, when it was the only one): nobody is sent away, every member in the circle is told to set its media up
// again (`media.restart`), and the circle is as it was: the same members and roles, each one's video mode and space,
// the floor. A member whose link was down at that moment learns it from the resume snapshot. Real workers, SIGKILL.

let server: TestServer | undefined;
const circles: Circle[] = [];
afterEach(async () => {
  for (const c of circles.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

async function open(numWorkers: number): Promise<{ s: TestServer; circle: Circle }> {
  server = await startServer({ mediasoup: { numWorkers } });
  const circle = await Circle.open(server);
  circles.push(circle);
  return { s: server, circle };
}

function sessionOf(s: TestServer, circle: Circle) {
  return s.app.sessions.get(circle.session.sessionId)!;
}

/** SIGKILL of one worker process, as the kernel's OOM killer or a crash would end it (all are running: index = slot). */
function kill(s: TestServer, index: number): number {
  const pid = s.app.workers.workers()[index]!.pid;
  process.kill(pid, 'SIGKILL');
  return pid;
}

/** What a member's page does on `media.restart`: capabilities, transports, its tracks again. */
async function setUpAgain(seat: Seat, restart: EventOf<'media.restart'>, sources: ('mic' | 'camera')[]) {
  await readyToReceive(seat.bot, restart.routerRtpCapabilities);
  return send(seat.bot, sources);
}

describe('a mediasoup worker dies mid-session', () => {
  it('its session is rebuilt on the other worker: same circle, members told to set up again, others untouched', async () => {
    const { s, circle } = await open(2);
    const other = await Circle.open(s);
    circles.push(other);
    const session = sessionOf(s, circle);
    const doomed = session.room.media.workerIndex;
    expect(sessionOf(s, other).room.media.workerIndex).not.toBe(doomed);
    const ann = await circle.member('Ann');
    const ben = await circle.member('Ben');
    const cal = await circle.member('Cal');
    const otherMember = await other.member('Oz');
    await readyToReceive(ann.bot, ann.room.routerRtpCapabilities);
    await readyToReceive(ben.bot, ben.room.routerRtpCapabilities);
    const annBefore = await send(ann.bot);
    await send(ben.bot);
    await ann.bot.ok('media.setReceiveMode', { video: 'off' }); // Ann is in audio only
    await circle.facilitator.bot.ok('facilitator.setTurnMode', { mode: 'stick' }); // nobody holds it yet
    await cal.bot.ok('member.setPrivate', { private: false }); // Cal is not private right now: nothing passes to or from him
    await cal.bot.cut(); // and his link is down when the worker dies
    await eventually(() => session.standingCounts().away === 1, 15_000, 'Cal away');

    const restarts = [circle.facilitator, ann, ben].map((m) => m.bot.waitFor('media.restart', () => true, 15_000));
    const pid = kill(s, doomed);
    const told = await Promise.all(restarts);

    // Same session, same members and roles, on a live worker; nobody was sent away or told of anyone leaving.
    expect(s.app.sessions.get(circle.session.sessionId)).toBe(session);
    expect(session.room.media.workerIndex).not.toBe(doomed);
    for (const r of told) expect(r.generation).toBe(1);
    for (const m of [circle.facilitator, ann, ben]) {
      expect(m.bot.eventsOf('session.closing')).toEqual([]);
      expect(m.bot.eventsOf('peer.left')).toEqual([]);
    }
    expect(session.roster().members.map((m) => [m.displayName, m.role])).toEqual([['Fay', 'facilitator'], ['Ann', 'member'], ['Ben', 'member'], ['Cal', 'member']]);
    // The other session, on the surviving worker, was not touched.
    expect(otherMember.bot.eventsOf('media.restart')).toEqual([]);
    expect(other.facilitator.bot.eventsOf('media.restart')).toEqual([]);

    // The old producers are gone; the members set up again on the new router and send again.
    expect((await session.room.media.dump()).producers).toBe(0);
    const annAdded = ben.bot.waitFor('producer.added', (p) => p.peerId === ann.selfId && p.source === 'mic' && p.id !== annBefore.mic);
    const annNow = await setUpAgain(ann, told[1]!, ['mic']);
    expect(annNow.mic).not.toBe(annBefore.mic);
    expect((await annAdded).id).toBe(annNow.mic);
    const benNow = await setUpAgain(ben, told[2]!, ['mic', 'camera']);
    // Ann is still in audio only: Ben's camera is refused to her, his microphone is hers to hear.
    expect(await ann.bot.request('media.consume', { producerId: benNow.camera! })).toMatchObject({ ok: false, code: 'AUDIO_ONLY' });
    const heard = await ann.bot.ok('media.consume', { producerId: benNow.mic! });
    expect(heard.peerId).toBe(ben.selfId);
    // The floor survived: in stick mode with nobody holding it, members' microphones are held at the server.
    expect((await session.room.media.dump()).pausedProducers.sort()).toEqual([annNow.mic!, benNow.mic!].sort());
    // The facilitator is still the facilitator.
    await circle.facilitator.bot.ok('facilitator.mute', { peerId: ben.selfId });

    // Cal comes back: the snapshot says the media is of a new generation and lists what is sent now.
    const calBack = await circle.connect();
    const back = await calBack.ok('session.resume', { sessionId: circle.session.sessionId, resumeToken: cal.room.resume!.token });
    expect(back.room.mediaGeneration).toBe(1);
    expect(back.room.peers.find((p) => p.id === ben.selfId)!.producers.map((p) => p.id).sort()).toEqual([benNow.mic!, benNow.camera!].sort());
    await readyToReceive(calBack, back.room.routerRtpCapabilities);
    const benToCal = await calBack.ok('media.consume', { producerId: benNow.camera! });
    await calBack.ok('media.resumeConsumer', { consumerId: benToCal.consumerId });
    // Cal is still apart in the rebuilt media: he is ready for Ben's camera, yet it stays held at the server.
    const calView = await session.room.media.inspect(cal.selfId);
    expect(calView.consumers.find((c) => c.id === benToCal.consumerId)?.paused).toBe(true);

    // And the dead worker is replaced.
    await eventually(() => s.app.workers.workers().length === 2, 10_000, 'worker restarted');
    expect(s.app.workers.workers().map((w) => w.pid)).not.toContain(pid);
  });

  it('with a single worker, the session waits for it to restart and is rebuilt on it', async () => {
    const { s, circle } = await open(1);
    const ann = await circle.member('Ann');
    const session = sessionOf(s, circle);
    const told = ann.bot.waitFor('media.restart', () => true, 20_000);
    const old = session.room.media;
    const pid = kill(s, 0);
    // Until the worker is back (it died young: a second's pause), a media request is told why, not INTERNAL.
    await eventually(() => old.lost, 5_000, 'the worker gone');
    expect(await ann.bot.request('media.createTransport', { direction: 'send' })).toMatchObject({ ok: false, code: 'MEDIA_MOVING' });
    const restart = await told;
    expect(s.app.workers.workers().map((w) => w.pid)).not.toContain(pid);
    expect(ann.bot.eventsOf('session.closing')).toEqual([]);
    expect(s.app.sessions.get(circle.session.sessionId)).toBe(session);
    const sent = await setUpAgain(ann, restart, ['mic']);
    await readyToReceive(circle.facilitator.bot, restart.routerRtpCapabilities);
    await circle.facilitator.bot.ok('media.consume', { producerId: sent.mic! });
    expect((await session.room.media.dump()).producers).toBe(1);
  });

  it('a member joining after the rebuild gets the new router and generation', async () => {
    const { s, circle } = await open(2);
    const session = sessionOf(s, circle);
    const told = circle.facilitator.bot.waitFor('media.restart', () => true, 15_000);
    kill(s, session.room.media.workerIndex);
    const restart = await told;
    const dan = await circle.member('Dan');
    expect(dan.room.mediaGeneration).toBe(1);
    expect(dan.room.routerRtpCapabilities).toEqual(restart.routerRtpCapabilities);
    await readyToReceive(dan.bot, dan.room.routerRtpCapabilities);
    await send(dan.bot, ['mic']);
  });
});
