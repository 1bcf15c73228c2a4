// Weak links for tests and the benchmark: a network namespace joined to the host by a veth pair, shaped on both
// ends (this kernel has no netem; see /work/shared/BROWSER-TESTING.md):
//   rate  tc tbf on each veth end's egress (queue = 300 ms of the rate);
//   delay netdelay (NFQUEUE, tests/support/netdelay) on each veth end's INGRESS, after the rate cap, like
//         propagation after a bottleneck. Not on egress: a packet held in the sender's OUTPUT hook still counts
//         against TCP Small Queues, which then caps a TCP flow to a few packets per delay (measured: 100 ms
//         each way on egress gave 280 kbit/s on an uncapped link);
//   loss  nft numgen drop on each end's ingress (silent: the sender's send() never fails);
//   cut   nft drop of every IP packet on both ends' ingress (ARP still answers, so nobody gets an ICMP or RST).
// A host nft table guards against leaks: packets from or to the link's /30 leaving by any interface other than
// the veth or lo are dropped and counted (stats().guardLeaks, expected 0). Needs root. Names are deterministic,
// so a crashed run's leftovers are removed on the next createShapedLink with the same name.
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.js';
import { killStaleDelayer, startDelayer, type Delayer } from './netdelay.js';
import { speechWav } from './speech.js';

const exec = promisify(execFile);

export interface Shape {
  /** Host -> namespace rate cap, kbit/s; unset = no cap. */
  downKbit?: number;
  /** Namespace -> host rate cap, kbit/s; unset = no cap. */
  upKbit?: number;
  /** One-way delay added in each direction, ms (so RTT ≈ 2 × delayMs); unset or 0 = none. */
  delayMs?: number;
  /** Random drop in each direction, percent; UDP only unless lossTcp. */
  lossPct?: number;
  lossTcp?: boolean;
}

export interface LinkStats {
  /** Packets from/to this link's /30 that tried to leave by another interface than the veth or lo (must be 0). */
  guardLeaks: number;
  /** Packets dropped by the loss rule, namespace -> host and host -> namespace. */
  lostUp: number;
  lostDown: number;
  /** Packets dropped while cut, both directions. */
  cutDrops: number;
}

export interface ShapedLink {
  name: string;
  /** Network namespace name (`hearth-<name>`). */
  ns: string;
  /** Host end of the veth, 10.250.N.1: servers under test listen here. */
  hostIp: string;
  /** Namespace end, 10.250.N.2. */
  innerIp: string;
  hostDev: string;
  innerDev: string;
  /** Executable that runs /usr/bin/chromium inside the namespace (for playwright's executablePath). */
  chromiumPath: string;
  /** Replaces both rate caps (kbit/s; undefined or 0 = uncapped). */
  setRate(downKbit?: number, upKbit?: number): Promise<void>;
  /** Replaces the one-way delay of both directions (restarts netdelay; packets it held are released first). */
  setDelay(delayMs: number): Promise<void>;
  /** Replaces the random loss of both directions (percent, 0 = none; UDP only unless tcpToo). */
  setLoss(pct: number, tcpToo?: boolean): Promise<void>;
  /** Pulls the cable: every IP packet is silently dropped in both directions (no RST, no ICMP, no send error). */
  cut(): Promise<void>;
  /** Plugs it back in. */
  restore(): Promise<void>;
  stats(): Promise<LinkStats>;
  /** Spawns a command inside the namespace. */
  spawn(argv: string[], options?: SpawnOptions): ChildProcess;
  /** Removes everything the link made (namespace, veth, qdiscs, nft/iptables rules, netdelay processes). */
  close(): Promise<void>;
}

/** Why shaping cannot run here (not root), or undefined. */
export function shapingUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'link shaping needs root (network namespaces, tc, nft, iptables)';
  return undefined;
}

async function sh(cmd: string, args: string[], input?: string): Promise<string> {
  if (input === undefined) {
    try {
      return (await exec(cmd, args)).stdout;
    } catch (e) {
      throw new Error(`${cmd} ${args.join(' ')}: ${(e as { stderr?: string }).stderr?.trim() || String(e)}`);
    }
  }
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: ${err.trim()}`))));
    child.stdin.end(input);
  });
}
const quiet = (p: Promise<unknown>) => p.then(() => true, () => false);

interface Names { ns: string; hostDev: string; innerDev: string; table: string; runDir: string }
function names(name: string): Names {
  if (!/^[a-z0-9]{1,10}$/.test(name)) throw new Error(`link name must be 1-10 of [a-z0-9]: ${name}`);
  const runDir = path.join(os.tmpdir(), 'hearth-netns', name);
  return { ns: `hearth-${name}`, hostDev: `hn-${name}-h`, innerDev: `hn-${name}-n`, table: `hearth_${name}`, runDir };
}

/** Removes whatever a link of this name left behind (also after a crash). Safe to call when nothing exists. */
export async function removeLink(name: string): Promise<void> {
  const n = names(name);
  const pidFile = path.join(n.runDir, 'delayers');
  if (fs.existsSync(pidFile)) {
    for (const pid of fs.readFileSync(pidFile, 'utf8').split(/\s+/).filter(Boolean)) killStaleDelayer(Number(pid));
  }
  await removeQueueRules(n.hostDev);
  await quiet(sh('ip', ['link', 'del', n.hostDev])); // takes its peer along
  await quiet(sh('ip', ['netns', 'del', n.ns]));
  await quiet(sh('nft', ['delete', 'table', 'inet', n.table]));
  fs.rmSync(n.runDir, { recursive: true, force: true });
}

const queueNum = (subnet: number) => 20000 + subnet;
const nfqueueTarget = (queue: number) => ['-j', 'NFQUEUE', '--queue-num', String(queue), '--queue-bypass'];

/** Rules in the host's `ip mangle` table (iptables-nft's), or undefined if it does not exist. */
async function mangleRules(): Promise<number | undefined> {
  const out = await sh('nft', ['-j', 'list', 'table', 'ip', 'mangle']).catch(() => undefined);
  return out === undefined ? undefined : (JSON.parse(out) as { nftables: object[] }).nftables.filter((x) => 'rule' in x).length;
}

/**
 * Deletes every host rule sending this veth's incoming packets to a queue (bounded), then iptables' `ip mangle`
 * table if that left it empty (iptables made it for us; it would be made again on demand).
 */
async function removeQueueRules(hostDev: string): Promise<void> {
  if ((await mangleRules()) === undefined) return; // listing with iptables would create it
  await removeMatchingRules(hostDev);
  if ((await mangleRules()) === 0) await quiet(sh('nft', ['delete', 'table', 'ip', 'mangle']));
}

async function removeMatchingRules(hostDev: string): Promise<void> {
  for (let i = 0; i < 16; i++) {
    const rules = (await sh('iptables', ['-t', 'mangle', '-S', 'PREROUTING']).catch(() => '')).split('\n');
    const mine = rules.find((r) => r.includes(`-i ${hostDev} `) && r.includes('NFQUEUE'));
    if (!mine) return;
    const spec = mine.replace(/^-A PREROUTING /, '').split(' ');
    if (!(await quiet(sh('iptables', ['-t', 'mangle', '-D', 'PREROUTING', ...spec])))) return;
  }
}

/** A free 10.250.N.0/30 for this name: N from a hash of the name, probing past subnets the host already uses. */
async function pickSubnet(name: string): Promise<number> {
  const used = new Set([...(await sh('ip', ['-o', '-4', 'addr', 'show'])).matchAll(/inet 10\.250\.(\d+)\./g)].map((m) => Number(m[1])));
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 150;
  for (let i = 0; i < 150; i++) {
    const n = 100 + ((h + i) % 150);
    if (!used.has(n)) return n;
  }
  throw new Error('no free 10.250.N.0/30 subnet');
}

function hostTable(n: Names, subnet: string): string {
  const allowed = `{ "${n.hostDev}", "lo" }`;
  return `table inet ${n.table} {
  counter guard_leaks { }
  counter lost { }
  counter cut { }
  chain guard {
    type filter hook postrouting priority 100; policy accept;
    ip daddr ${subnet} oifname != ${allowed} counter name "guard_leaks" drop
    ip saddr ${subnet} oifname != ${allowed} counter name "guard_leaks" drop
  }
  chain cutting { type filter hook prerouting priority -300; policy accept; }
  chain loss { type filter hook prerouting priority -290; policy accept; }
}
`;
}

function innerTable(): string {
  return `table inet hearth {
  counter lost { }
  counter cut { }
  chain cutting { type filter hook prerouting priority -300; policy accept; }
  chain loss { type filter hook prerouting priority -290; policy accept; }
}
`;
}

class Link implements ShapedLink {
  readonly ns: string;
  readonly hostDev: string;
  readonly innerDev: string;
  readonly hostIp: string;
  readonly innerIp: string;
  readonly chromiumPath: string;
  private delayers: Delayer[] = [];
  private closed = false;

  constructor(readonly name: string, private readonly n: Names, private readonly subnet: number) {
    this.ns = n.ns;
    this.hostDev = n.hostDev;
    this.innerDev = n.innerDev;
    this.hostIp = `10.250.${subnet}.1`;
    this.innerIp = `10.250.${subnet}.2`;
    this.chromiumPath = path.join(n.runDir, 'chromium');
  }

  /** Guard first (before any packet can flow), then the namespace, the veth and the empty shaping chains. */
  async build(): Promise<void> {
    const { ns, hostDev, innerDev, runDir } = this.n;
    fs.mkdirSync(runDir, { recursive: true });
    await sh('nft', ['-f', '-'], hostTable(this.n, `10.250.${this.subnet}.0/30`));
    await sh('ip', ['netns', 'add', ns]);
    await sh('ip', ['link', 'add', hostDev, 'type', 'veth', 'peer', 'name', innerDev, 'netns', ns]);
    // No IPv6 on the link (no router solicitations, no v6 candidates): when the kernel has IPv6 at all.
    const v6 = `/proc/sys/net/ipv6/conf/${hostDev}/disable_ipv6`;
    if (fs.existsSync(v6)) fs.writeFileSync(v6, '1');
    await quiet(this.inNs('sysctl', ['-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']));
    await sh('ip', ['addr', 'add', `${this.hostIp}/30`, 'dev', hostDev]);
    await this.inNs('ip', ['addr', 'add', `${this.innerIp}/30`, 'dev', innerDev]);
    await sh('ip', ['link', 'set', hostDev, 'up']);
    await this.inNs('ip', ['link', 'set', innerDev, 'up']);
    await this.inNs('ip', ['link', 'set', 'lo', 'up']);
    await this.inNs('nft', ['-f', '-'], innerTable());
    fs.writeFileSync(this.chromiumPath, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
  }

  private inNs(cmd: string, args: string[], input?: string): Promise<string> {
    return sh('ip', ['netns', 'exec', this.ns, cmd, ...args], input);
  }

  spawn(argv: string[], options: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.ns, ...argv], options);
  }

  async setRate(downKbit?: number, upKbit?: number): Promise<void> {
    const tbf = (kbit: number) => {
      const burst = Math.max(1600, Math.round((kbit * 1000) / 8 / 500)); // 2 ms of the rate, at least a packet
      return ['root', 'tbf', 'rate', `${kbit}kbit`, 'burst', String(burst), 'latency', '300ms'];
    };
    if (downKbit) await sh('tc', ['qdisc', 'replace', 'dev', this.hostDev, ...tbf(downKbit)]);
    else await quiet(sh('tc', ['qdisc', 'del', 'dev', this.hostDev, 'root']));
    if (upKbit) await this.inNs('tc', ['qdisc', 'replace', 'dev', this.innerDev, ...tbf(upKbit)]);
    else await quiet(this.inNs('tc', ['qdisc', 'del', 'dev', this.innerDev, 'root']));
  }

  async setDelay(delayMs: number): Promise<void> {
    const queue = queueNum(this.subnet);
    await removeQueueRules(this.hostDev);
    await quiet(this.inNs('iptables', ['-t', 'mangle', '-F', 'PREROUTING']));
    await Promise.all(this.delayers.map((d) => d.stop()));
    this.delayers = [];
    this.writePids();
    if (!delayMs) return;
    this.delayers.push(await startDelayer(queue, delayMs));
    this.writePids();
    this.delayers.push(await startDelayer(queue, delayMs, this.ns)); // NFQUEUE numbers are per namespace
    this.writePids();
    await sh('iptables', ['-t', 'mangle', '-A', 'PREROUTING', '-i', this.hostDev, ...nfqueueTarget(queue)]);
    await this.inNs('iptables', ['-t', 'mangle', '-A', 'PREROUTING', '-i', this.innerDev, ...nfqueueTarget(queue)]);
  }

  private writePids(): void {
    fs.writeFileSync(path.join(this.n.runDir, 'delayers'), this.delayers.map((d) => d.pid).join('\n'));
  }

  async setLoss(pct: number, tcpToo = false): Promise<void> {
    const rule = (dev: string) => {
      const proto = tcpToo ? '' : 'meta l4proto udp ';
      return `add rule inet TABLE loss iifname "${dev}" ${proto}numgen random mod 10000 < ${Math.round(pct * 100)} counter name "lost" drop\n`;
    };
    const script = (table: string, dev: string) =>
      `flush chain inet ${table} loss\n${pct > 0 ? rule(dev).replace('TABLE', table) : ''}`;
    await sh('nft', ['-f', '-'], script(this.n.table, this.hostDev));
    await this.inNs('nft', ['-f', '-'], script('hearth', this.innerDev));
  }

  async cut(): Promise<void> {
    // Ingress only and IP only: the sender's packet leaves normally and vanishes, ARP keeps answering.
    await sh('nft', ['add', 'rule', 'inet', this.n.table, 'cutting', 'iifname', this.hostDev, 'meta', 'nfproto', 'ipv4', 'counter', 'name', 'cut', 'drop']);
    await this.inNs('nft', ['add', 'rule', 'inet', 'hearth', 'cutting', 'iifname', this.innerDev, 'meta', 'nfproto', 'ipv4', 'counter', 'name', 'cut', 'drop']);
  }

  async restore(): Promise<void> {
    await sh('nft', ['flush', 'chain', 'inet', this.n.table, 'cutting']);
    await this.inNs('nft', ['flush', 'chain', 'inet', 'hearth', 'cutting']);
  }

  async stats(): Promise<LinkStats> {
    const read = async (inNs: boolean, table: string, counter: string) => {
      const args = ['-j', 'list', 'counter', 'inet', table, counter];
      const json = JSON.parse(await (inNs ? this.inNs('nft', args) : sh('nft', args))) as { nftables: { counter?: { packets: number } }[] };
      return json.nftables.find((x) => x.counter)?.counter?.packets ?? NaN;
    };
    const [guardLeaks, lostUp, lostDown, cutUp, cutDown] = await Promise.all([
      read(false, this.n.table, 'guard_leaks'), read(false, this.n.table, 'lost'), read(true, 'hearth', 'lost'),
      read(false, this.n.table, 'cut'), read(true, 'hearth', 'cut'),
    ]);
    return { guardLeaks, lostUp, lostDown, cutDrops: cutUp + cutDown };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await removeQueueRules(this.hostDev);
    await Promise.all(this.delayers.map((d) => d.stop()));
    await removeLink(this.name);
  }
}

/**
 * Creates namespace `hearth-<name>` behind veth `hn-<name>-h` (host, 10.250.N.1) / `hn-<name>-n` (inside,
 * 10.250.N.2), with the leak guard installed first and the given shape applied. Any leftover of a link with the
 * same name is removed first. Throws when not root (see shapingUnavailable()).
 */
export async function createShapedLink(opts: { name: string } & Shape): Promise<ShapedLink> {
  const why = shapingUnavailable();
  if (why) throw new Error(why);
  const n = names(opts.name);
  await removeLink(opts.name);
  const link = new Link(opts.name, n, await pickSubnet(opts.name));
  try {
    await link.build();
    await link.setRate(opts.downKbit, opts.upKbit);
    await link.setDelay(opts.delayMs ?? 0);
    await link.setLoss(opts.lossPct ?? 0, opts.lossTcp);
  } catch (e) {
    await link.close();
    throw e;
  }
  return link;
}

export interface LaunchOptions {
  /** The origin the page will use (http://HOSTIP:PORT): treated as secure, so camera, mic and WebCrypto work. */
  origin?: string;
  /** Use the generated speech file as the fake microphone (tests/support/speech.ts) instead of the beep. */
  speech?: boolean;
  extraArgs?: string[];
}

/** Debian's Chromium with the flags of tests/support/browser.ts, in the link's namespace (or on the host). */
export async function launchInNamespace(link: ShapedLink | undefined, opts: LaunchOptions = {}): Promise<Browser> {
  const args = [...CHROMIUM_ARGS];
  if (opts.origin) args.push(`--unsafely-treat-insecure-origin-as-secure=${opts.origin}`);
  if (opts.speech) args.push(`--use-file-for-fake-audio-capture=${await speechWav()}`);
  args.push(...(opts.extraArgs ?? []));
  return chromium.launch({ executablePath: link ? link.chromiumPath : CHROMIUM, args, headless: true });
}
