// Measuring a shaped link (tests/support/netns.ts) from both ends: echo servers on the host end, small Node
// probes run inside the namespace. Used by tests/e2e/netns.test.ts to check the link does what it claims.
import { type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ShapedLink } from './netns.js';

export interface HostEnd {
  udpPort: number;
  tcpPort: number;
  httpPort: number;
  /** UDP datagrams received since the last reset (the echo answers each). */
  udpReceived: number;
  /** Bytes of the last upload and the host-side times (ms) the first byte, `mark` bytes and the last byte came. */
  upload?: { bytes: number; tFirst: number; tMark: number; markBytes: number; tEnd: number };
  /** Errors or resets seen by the host side of TCP connections (a silent cut must cause none). */
  tcpTrouble: string[];
  /** Bytes the TCP echo received. */
  tcpData: string;
  close(): Promise<void>;
}

const UPLOAD_MARK = 50_000;

function httpHandler(end: HostEnd) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method === 'POST') {
      let bytes = 0;
      let tFirst = 0;
      let tMark = 0;
      let markBytes = 0;
      req.on('data', (d: Buffer) => {
        const t = performance.now();
        if (bytes === 0) tFirst = t;
        bytes += d.length;
        if (!tMark && bytes >= UPLOAD_MARK) [tMark, markBytes] = [t, bytes];
      });
      req.on('end', () => {
        end.upload = { bytes, tFirst, tMark, markBytes, tEnd: performance.now() };
        res.end('ok');
      });
      return;
    }
    const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? 0);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(n) });
    res.end(Buffer.alloc(n, 7));
  };
}

/** UDP echo, TCP echo and an HTTP server (GET /?n=BYTES, POST = upload) on `ip`, random ports. */
export async function hostEnd(ip: string): Promise<HostEnd> {
  const end = { udpReceived: 0, tcpTrouble: [] as string[], tcpData: '' } as HostEnd;
  const udp = dgram.createSocket('udp4');
  udp.on('message', (m, from) => {
    end.udpReceived++;
    udp.send(m, from.port, from.address);
  });
  await new Promise<void>((r) => udp.bind(0, ip, r));
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((s) => {
    sockets.add(s);
    s.setNoDelay(true);
    s.on('data', (d) => {
      end.tcpData += d.toString();
      s.write(d);
    });
    s.on('error', (e) => end.tcpTrouble.push(e.message));
  });
  await new Promise<void>((r) => tcp.listen(0, ip, r));
  const web = http.createServer(httpHandler(end));
  await new Promise<void>((r) => web.listen(0, ip, r));
  end.udpPort = udp.address().port;
  end.tcpPort = (tcp.address() as net.AddressInfo).port;
  end.httpPort = (web.address() as net.AddressInfo).port;
  end.close = async () => {
    udp.close();
    for (const s of sockets) s.destroy();
    web.closeAllConnections();
    await Promise.all([new Promise((r) => tcp.close(r)), new Promise((r) => web.close(r))]);
  };
  return end;
}

/** Runs `code` with Node inside the namespace; resolves with the JSON it prints last. Killed after `ms`. */
export function nsProbe<T>(link: ShapedLink, code: string, args: (string | number)[], ms: number): Promise<T> {
  const child = link.spawn([process.execPath, '-e', code, ...args.map(String)]);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last) resolve(JSON.parse(last) as T);
      else reject(new Error(`probe exited ${code}: ${err.trim() || out.trim()}`));
    });
  });
}

/** UDP pings: argv host port count gapMs sizeBytes waitMs -> { rtts: ms[], errors } (an echo per ping). */
export const PING = `
const dgram = require('node:dgram');
const [host, port, n, gap, size, wait] = process.argv.slice(1).map((a, i) => (i ? Number(a) : a));
const s = dgram.createSocket('udp4'); const sent = new Map(); const rtts = []; let errors = 0;
s.on('message', (m) => { const t = sent.get(m.readUInt32BE(0)); if (t !== undefined) { rtts.push(performance.now() - t); sent.delete(m.readUInt32BE(0)); } });
s.bind(0, () => { let i = 0; const tick = () => {
  if (i >= n) { setTimeout(() => { console.log(JSON.stringify({ rtts, errors })); s.close(); }, wait); return; }
  const b = Buffer.alloc(size); b.writeUInt32BE(i); sent.set(i, performance.now());
  s.send(b, port, host, (e) => { if (e) errors++; }); i++; setTimeout(tick, gap); }; tick(); });`;

/** HTTP download: argv url markBytes -> times (ms from start) of TCP connect, first byte, mark and last byte. */
export const DOWNLOAD = `
const http = require('node:http'); const [url, mark] = [process.argv[1], Number(process.argv[2])];
const t0 = performance.now(); let tConnect = 0;
const req = http.get(url, (res) => { let bytes = 0, tFirst = 0, tMark = 0, markBytes = 0;
  res.on('data', (d) => { const t = performance.now() - t0; if (!bytes) tFirst = t; bytes += d.length; if (!tMark && bytes >= mark) { tMark = t; markBytes = bytes; } });
  res.on('end', () => console.log(JSON.stringify({ bytes, tConnect, tFirst, tMark, markBytes, tEnd: performance.now() - t0 }))); });
req.on('socket', (s) => s.on('connect', () => { tConnect = performance.now() - t0; }));`;

/** HTTP upload: argv url bytes -> { status }; the host end times it (HostEnd.upload). */
export const UPLOAD = `
const http = require('node:http'); const [url, n] = [process.argv[1], Number(process.argv[2])];
const req = http.request(url, { method: 'POST', headers: { 'content-length': n } }, (res) => { res.resume(); res.on('end', () => console.log(JSON.stringify({ status: res.statusCode }))); });
req.end(Buffer.alloc(n, 9));`;

export interface ProbeEvent { ev: string; data?: string; t: number }

/**
 * A long-lived probe in the namespace holding one TCP connection and one UDP socket to the host end; send
 * with `send('tcp'|'udp', text)`, read what came back (echoes, errors, closes) in `events`.
 */
export class NsSession {
  readonly events: ProbeEvent[] = [];
  private readonly child: ChildProcess;

  constructor(link: ShapedLink, end: HostEnd) {
    const code = `
const net = require('node:net'); const dgram = require('node:dgram'); const rl = require('node:readline');
const [host, tcpPort, udpPort] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const out = (ev, data) => console.log(JSON.stringify({ ev, data, t: performance.now() }));
const c = net.connect(tcpPort, host); c.setNoDelay(true);
c.on('connect', () => out('connected')); c.on('data', (d) => out('tcp', d.toString()));
c.on('error', (e) => out('tcp-error', e.message)); c.on('close', () => out('tcp-close'));
const u = dgram.createSocket('udp4'); u.on('message', (m) => out('udp', m.toString())); u.bind(0);
rl.createInterface({ input: process.stdin }).on('line', (l) => { const [kind, text] = l.split(' ');
  if (kind === 'tcp') c.write(text); if (kind === 'udp') u.send(text, udpPort, host, (e) => e && out('udp-error', e.message));
  if (kind === 'quit') process.exit(0); });`;
    this.child = link.spawn([process.execPath, '-e', code, link.hostIp, String(end.tcpPort), String(end.udpPort)]);
    let buf = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        this.events.push(JSON.parse(buf.slice(0, i)) as ProbeEvent);
        buf = buf.slice(i + 1);
      }
    });
  }

  send(kind: 'tcp' | 'udp', text: string): void {
    this.child.stdin!.write(`${kind} ${text}\n`);
  }

  has(ev: string, data?: string): boolean {
    return this.events.some((e) => e.ev === ev && (data === undefined || e.data === data));
  }

  close(): void {
    this.child.kill('SIGKILL');
  }
}
