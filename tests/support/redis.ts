import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { eventually, freePort } from './server.js';

/** Debian's redis-server (the scale-out tests start their own; nothing is installed as a service). */
export const REDIS_SERVER = '/usr/bin/redis-server';
export const hasRedis = (): boolean => fs.existsSync(REDIS_SERVER);


export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** redis-server on loopback on a free port (or this one), in memory only (no RDB, no AOF), gone when stopped. */
export async function startRedis(onPort?: number): Promise<TestRedis> {
  const port = onPort ?? (await freePort());
  const proc: ChildProcess = spawn(REDIS_SERVER, [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  await eventually(() => log.includes('Ready to accept connections'), 10_000, 'redis-server ready');
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}
