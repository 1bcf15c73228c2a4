// Continuous English speech for Chromium's fake microphone (--use-file-for-fake-audio-capture, which loops it):
// Opus encodes the default beep far cheaper than speech, so bandwidth figures measured with the beep look too good.
// Made once with Debian's espeak-ng, resampled here to 48 kHz mono 16-bit, cached by content in node_modules/.cache.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/hearth-speech', import.meta.url));
const RATE = 48_000;
/** Generator version: bump when the processing below changes, so the cache is rebuilt. */
const VERSION = 1;

/** What one person says in a support group, paragraph by paragraph; a pause of `pause` seconds follows each. */
const SCRIPT: { text: string; pause: number; pitch: number }[] = [
  { text: 'Thanks for having me this week. It has been a long few days.', pause: 0.8, pitch: 48 },
  { text: 'On Tuesday my manager asked me to stay late again, and I said yes, although I was exhausted.', pause: 0.6, pitch: 52 },
  { text: 'I keep doing that.', pause: 1.1, pitch: 46 },
  { text: 'But on Sunday I walked by the river, and for an hour I just listened to the birds.', pause: 0.7, pitch: 50 },
  { text: 'So this month I want to notice when I am tired, and say so, out loud.', pause: 1.4, pitch: 47 },
];

function espeakVersion(): Promise<string> {
  return run('espeak-ng', ['--version']).then((r) => r.stdout.trim(), () => {
    throw new Error('espeak-ng missing: sh server/scripts/mediasoup/system-deps.sh test');
  });
}

/** The PCM samples (-1..1) and rate of a 16-bit mono WAV as espeak-ng writes it. */
function readWav(buf: Buffer): { rate: number; samples: Float64Array } {
  let off = 12;
  let rate = 0;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') rate = buf.readUInt32LE(off + 12);
    if (id === 'data') {
      const end = Math.min(buf.length, off + 8 + (size === 0xffffffff || size === 0 ? buf.length : size));
      const samples = new Float64Array(Math.floor((end - off - 8) / 2));
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(off + 8 + 2 * i) / 32768;
      return { rate, samples };
    }
    off += 8 + size + (size % 2);
  }
  throw new Error('espeak-ng wrote no WAV data');
}

/** Band-limited (Hann-windowed sinc, 32 taps) resampling to 48 kHz. */
function resample(input: Float64Array, from: number): Float64Array {
  const ratio = from / RATE;
  const cutoff = Math.min(1, 1 / ratio) * 0.95;
  const half = 16;
  const out = new Float64Array(Math.floor(input.length / ratio));
  for (let i = 0; i < out.length; i++) {
    const t = i * ratio;
    const c = Math.floor(t);
    let acc = 0;
    for (let k = c - half + 1; k <= c + half; k++) {
      if (k < 0 || k >= input.length) continue;
      const x = t - k;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x);
      const w = 0.5 + 0.5 * Math.cos((Math.PI * x) / half);
      acc += input[k]! * cutoff * sinc * w;
    }
    out[i] = acc;
  }
  return out;
}

/** 16-bit mono 48 kHz WAV of these samples, normalized to peak at -3 dBFS. */
export function writeWav(samples: Float64Array): Buffer {
  const peak = samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0) || 1;
  const gain = 0.7 / peak; // peaks at -3 dBFS, like a close microphone
  const buf = Buffer.alloc(44 + samples.length * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + samples.length * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(RATE, 24);
  buf.writeUInt32LE(RATE * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) {
    buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]! * gain * 32767))), 44 + 2 * i);
  }
  return buf;
}

async function synthesize(): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-speech-'));
  try {
    const parts: Float64Array[] = [];
    for (const [i, p] of SCRIPT.entries()) {
      const file = path.join(dir, `${i}.wav`);
      await run('espeak-ng', ['-v', 'en-us', '-s', '165', '-p', String(p.pitch), '-g', '2', '-w', file, p.text]);
      const { rate, samples } = readWav(fs.readFileSync(file));
      parts.push(resample(samples, rate), new Float64Array(Math.round(p.pause * RATE)));
    }
    const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
    return writeWav(all);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let pending: Promise<string> | undefined;

/**
 * Absolute path of a ~25 s, 48 kHz mono 16-bit WAV of one person talking, with natural pauses. Generated on first
 * use (≈ 1 s) and cached by its inputs (script, settings, espeak-ng version), so later calls return at once.
 */
export function speechWav(): Promise<string> {
  pending ??= (async () => {
    const key = createHash('sha256').update(JSON.stringify({ VERSION, RATE, SCRIPT, espeak: await espeakVersion() })).digest('hex');
    const file = path.join(CACHE, `speech-${key.slice(0, 16)}.wav`);
    if (fs.existsSync(file)) return file;
    fs.mkdirSync(CACHE, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, await synthesize());
    fs.renameSync(tmp, file);
    return file;
  })();
  pending.catch(() => (pending = undefined));
  return pending;
}
