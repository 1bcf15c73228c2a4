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
  // A worker's death mid-session: tests/integration/rebuild.test.ts.
});
