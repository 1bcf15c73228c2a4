import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Circle } from '../support/circle.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer({ mediasoup: { numWorkers: 2 } });
});
afterEach(async () => {
  await server.close();
});

describe('mediasoup worker pool', () => {
  it('runs the configured workers, each with its own media port', () => {
    expect(server.app.workers.workers()).toHaveLength(2);
    const ports = server.app.workers.rtcPorts();
    expect(new Set(ports).size).toBe(2);
  });

  it('new sessions go to the least loaded worker', async () => {
    const a = await Circle.open(server);
    const b = await Circle.open(server);
    const workers = server.app.sessions.list().map((s) => s.room.media.workerIndex);
    expect(workers.sort()).toEqual([0, 1]);
    a.close();
    b.close();
  });

  it('when a worker dies, its sessions end with SESSION_LOST, others go on, and the worker comes back', async () => {
    const doomed = await Circle.open(server);
    const safe = await Circle.open(server);
    const doomedIndex = server.app.sessions.get(doomed.session.sessionId)!.room.media.workerIndex;
    const member = await doomed.member('Ann');
    const gone = member.bot.disconnected();
    const pid = server.app.workers.workers()[doomedIndex]!.pid;
    process.kill(pid, 'SIGKILL');
    await gone;
    expect(member.bot.eventsOf('session.closing')).toEqual([{ code: 'SESSION_LOST' }]);
    expect(server.app.sessions.get(doomed.session.sessionId)).toBeUndefined();
    // The other session still works.
    await safe.member('Ben');
    await eventually(() => server.app.workers.workers().length === 2, 10_000, 'worker restarted');
    expect(server.app.workers.workers().map((w) => w.pid)).not.toContain(pid);
    const fresh = await Circle.open(server);
    await fresh.member('Cal');
    for (const c of [doomed, safe, fresh]) c.close();
  });
});
