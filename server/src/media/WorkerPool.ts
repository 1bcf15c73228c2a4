import os from 'node:os';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/schema.js';
import { listenAddresses } from './listenAddresses.js';

/** One worker with its WebRtcServer: every transport of every room on this worker shares its port. */
export interface WorkerSlot {
  readonly index: number;
  readonly worker: types.Worker;
  readonly webRtcServer: types.WebRtcServer;
  /** Rooms placed on this worker; the pool puts new rooms on the least loaded. */
  rooms: number;
  /** When it started (ms): one that dies young is restarted after a pause, not at once (no crash loop). */
  readonly startedAt: number;
}

type DiedListener = (slot: WorkerSlot) => void;

/** How long `acquire` waits for a worker to be running again when none is (all of them died). */
const ACQUIRE_WAIT_MS = 15_000;

/**
 * One mediasoup worker per core (or as configured). When a worker dies, the rooms on it are gone: listeners (the
 * session registry) rebuild them on another worker, and the slot is restarted at once (then with a back-off if
 * starting fails) so it can take rooms again.
 */
export class WorkerPool {
  private readonly slots: (WorkerSlot | undefined)[] = [];
  private readonly diedListeners: DiedListener[] = [];
  /** Callers of `acquire` waiting for any worker to run again. */
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(
    private readonly config: Readonly<Config>,
    private readonly log: FastifyBaseLogger,
  ) {}

  static async start(config: Readonly<Config>, log: FastifyBaseLogger): Promise<WorkerPool> {
    const pool = new WorkerPool(config, log);
    const n = config.mediasoup.numWorkers || os.availableParallelism();
    try {
      for (let i = 0; i < n; i++) pool.slots[i] = await pool.spawn(i);
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  /** A pool with no worker, for a server whose media comes from elsewhere (BuildOptions.media): nothing ever dies. */
  static idle(config: Readonly<Config>, log: FastifyBaseLogger): WorkerPool {
    const pool = new WorkerPool(config, log);
    pool.closed = true;
    return pool;
  }

  onWorkerDied(listener: DiedListener): void {
    this.diedListeners.push(listener);
  }

  /** The live slot with the fewest rooms. */
  pick(): WorkerSlot {
    let best: WorkerSlot | undefined;
    for (const slot of this.slots) if (slot && (!best || slot.rooms < best.rooms)) best = slot;
    if (!best) throw new Error('no mediasoup worker is running');
    return best;
  }

  /**
   * The live slot with the fewest rooms; when none runs (the only worker just died), the first one restarted, within
   * ACQUIRE_WAIT_MS. Rebuilding rooms after a death and creating sessions meanwhile both go through here.
   */
  async acquire(waitMs = ACQUIRE_WAIT_MS): Promise<WorkerSlot> {
    if (this.slots.some((s) => s)) return this.pick();
    if (this.closed) throw new Error('no mediasoup worker is running');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error('no mediasoup worker is running'));
      }, waitMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
    return this.pick();
  }

  /** Ports the media sockets listen on, one per worker slot (for logs and tests). */
  rtcPorts(): number[] {
    return this.slots.flatMap((s) => (s ? [s.webRtcServer.appData.port as number] : []));
  }

  workers(): types.Worker[] {
    return this.slots.flatMap((s) => (s ? [s.worker] : []));
  }

  close(): void {
    this.closed = true;
    this.waiters = [];
    for (const slot of this.slots) slot?.worker.close();
  }

  private async spawn(index: number): Promise<WorkerSlot> {
    const { mediasoup: ms, rtc } = this.config;
    const worker = await mediasoup.createWorker({ logLevel: ms.logLevel, disableLiburing: ms.disableLiburing });
    try {
      const port = rtc.port === 0 ? 0 : rtc.port + index;
      const listenInfos = listenAddresses(rtc).flatMap(({ ip, announcedAddress }) =>
        (rtc.enableTcp ? (['udp', 'tcp'] as const) : (['udp'] as const)).map((protocol) => ({
          protocol, ip, port, ...(announcedAddress ? { announcedAddress } : {}),
        })),
      );
      const webRtcServer = await worker.createWebRtcServer({ listenInfos });
      const dump = await webRtcServer.dump();
      webRtcServer.appData.port = dump.udpSockets[0]?.port ?? port;
      const slot: WorkerSlot = { index, worker, webRtcServer, rooms: 0, startedAt: Date.now() };
      worker.on('died', (error) => this.handleDeath(slot, error));
      return slot;
    } catch (error) {
      worker.close();
      throw error;
    }
  }

  private handleDeath(slot: WorkerSlot, error: Error): void {
    this.log.error({ pid: slot.worker.pid, worker: slot.index, err: error.message }, 'mediasoup worker died');
    this.slots[slot.index] = undefined;
    for (const listener of this.diedListeners) {
      try {
        listener(slot);
      } catch (e) {
        this.log.error({ err: e }, 'worker-died listener failed');
      }
    }
    this.respawn(slot.index, Date.now() - slot.startedAt < 10_000 ? 1000 : 0);
  }

  private respawn(index: number, delayMs: number): void {
    setTimeout(() => {
      if (this.closed) return;
      this.spawn(index).then(
        (slot) => {
          if (this.closed) return slot.worker.close();
          this.slots[index] = slot;
          this.log.warn({ worker: index }, 'mediasoup worker restarted');
          for (const wake of this.waiters.splice(0)) wake();
        },
        (error: unknown) => {
          this.log.error({ worker: index, err: error }, 'mediasoup worker restart failed; retrying');
          this.respawn(index, Math.min(Math.max(delayMs * 2, 500), 30_000));
        },
      );
    }, delayMs).unref();
  }
}
