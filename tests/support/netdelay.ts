// Builds and runs netdelay (netdelay/netdelay.c): the NFQUEUE program that delays packets, since this kernel has
// no netem. Built with gcc against libnetfilter-queue-dev into node_modules/.cache, rebuilt when the source changes.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SOURCE = fileURLToPath(new URL('./netdelay/netdelay.c', import.meta.url));
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/hearth-netdelay', import.meta.url));
const run = promisify(execFile);

/** Path of the compiled netdelay for the current source, compiling it first if needed. */
export async function netdelayBinary(): Promise<string> {
  const source = fs.readFileSync(SOURCE);
  const bin = path.join(CACHE, `netdelay-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  if (fs.existsSync(bin)) return bin;
  if (!fs.existsSync('/usr/include/libnetfilter_queue/libnetfilter_queue.h')) {
    throw new Error('libnetfilter-queue-dev missing: sh server/scripts/mediasoup/system-deps.sh test');
  }
  fs.mkdirSync(CACHE, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  await run('gcc', ['-O2', '-Wall', '-o', tmp, SOURCE, '-lnetfilter_queue', '-lnfnetlink']);
  fs.renameSync(tmp, bin); // atomic: a concurrent build of the same source gives the same file
  return bin;
}

export interface Delayer {
  pid: number;
  /** SIGTERM: netdelay releases every packet it holds and exits. */
  stop(): Promise<void>;
}

/**
 * Starts netdelay on NFQUEUE `queue` (inside namespace `ns` when given), resolving once it is bound, so the
 * iptables rule added afterwards never meets an unbound queue (--queue-bypass would let packets through anyway).
 */
export async function startDelayer(queue: number, delayMs: number, ns?: string): Promise<Delayer> {
  const bin = await netdelayBinary();
  const argv = [bin, String(queue), String(delayMs), '4096'];
  const child = ns ? spawn('ip', ['netns', 'exec', ns, ...argv]) : spawn(argv[0]!, argv.slice(1));
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const onExit = (code: number | null) => fail(new Error(`netdelay exited (${code}): ${err.trim()}`));
    const timer = setTimeout(() => fail(new Error('netdelay did not start within 5 s')), 5000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      if (!d.toString().includes('ready')) return;
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      resolve();
    });
    child.once('exit', onExit);
  });
  child.stderr!.removeAllListeners('data');
  child.stderr!.resume();
  child.stdout!.resume();
  return { pid: child.pid!, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Ends a netdelay left by a crashed run, by pid, only if that pid still is a netdelay. */
export function killStaleDelayer(pid: number): void {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes('netdelay-')) process.kill(pid, 'SIGTERM');
  } catch {
    // gone already
  }
}
