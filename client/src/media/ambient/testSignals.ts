// Generated audio for the ambient check's tests: a speaking voice built the way a voice is made (a glottal pulse
// train with a pitch contour, jitter and shimmer, shaped by vowel formants, with consonants, syllables, words and
// breaths), TV-like music (chords, bass, a melody, drums on a steady beat) and noises. Every generator is seeded,
// so a run is repeatable; tests vary the seeds so the classifier is not tuned to one draw.

import { Fft } from './dsp.js';

/** mulberry32: a tiny seeded generator of uniform numbers in [0, 1). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal numbers from a uniform generator (Box-Muller). */
export function gaussian(uniform: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const between = (u: () => number, lo: number, hi: number): number => lo + (hi - lo) * u();

/** Root-mean-square level in dBFS. */
export function levelDb(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return 10 * Math.log10(Math.max(sum / Math.max(1, x.length), 1e-12));
}

/** Scales a signal, in place, to an RMS level in dBFS. */
export function setLevel(x: Float32Array, dbfs: number): Float32Array {
  const gain = 10 ** ((dbfs - levelDb(x)) / 20);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] ?? 0) * gain;
  return x;
}

/** Multiplies by a gain, in place. */
export function scale(x: Float32Array, gain: number): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] = (x[i] ?? 0) * gain;
  return x;
}

/** The sum of some signals (the longest sets the length). */
export function mix(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(Math.max(...parts.map((p) => p.length)));
  for (const p of parts) for (let i = 0; i < p.length; i++) out[i] = (out[i] ?? 0) + (p[i] ?? 0);
  return out;
}

/** Silence. */
export function silence(seconds: number, rate: number): Float32Array {
  return new Float32Array(Math.round(seconds * rate));
}

/** White noise at a level: a microphone's own hiss when faint. */
export function hiss(seconds: number, rate: number, dbfs: number, seed: number): Float32Array {
  const g = gaussian(random(seed));
  const x = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < x.length; i++) x[i] = g();
  return setLevel(x, dbfs);
}

/**
 * Loud broadband noise like traffic or a fan: pink noise (Kellet's filter), optionally swelling slowly as cars
 * pass, with an optional steady hum (a fan motor's, at `humHz` and its harmonics).
 */
export function roomNoise(
  seconds: number, rate: number, dbfs: number, seed: number, opts: { swell?: boolean; humHz?: number } = {},
): Float32Array {
  const u = random(seed);
  const g = gaussian(u);
  const x = new Float32Array(Math.round(seconds * rate));
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  const swellHz = between(u, 0.15, 0.4);
  const phase = between(u, 0, 2 * Math.PI);
  for (let i = 0; i < x.length; i++) {
    const w = g();
    b0 = 0.99886 * b0 + w * 0.0555179; b1 = 0.99332 * b1 + w * 0.0750759; b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856; b4 = 0.55 * b4 + w * 0.5329522; b5 = -0.7616 * b5 - w * 0.016898;
    const pink = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
    const t = i / rate;
    const swell = opts.swell ? 0.6 + 0.4 * Math.sin(2 * Math.PI * swellHz * t + phase) : 1;
    let hum = 0;
    if (opts.humHz) for (let h = 1; h <= 4; h++) hum += Math.sin(2 * Math.PI * opts.humHz * h * t) / h;
    x[i] = pink * swell + 0.6 * hum;
  }
  return setLevel(x, dbfs);
}

/** A steady hum (a transformer, a fridge): a tone and four harmonics, at a level. */
export function hum(seconds: number, rate: number, hz: number, dbfs: number): Float32Array {
  const x = Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => {
    let y = 0;
    for (let h = 1; h <= 5; h++) y += Math.sin((2 * Math.PI * hz * h * i) / rate) / h;
    return y;
  });
  return setLevel(x, dbfs);
}

/** Clicks (a clock ticking every `period` s; irregular, like typing, with `jitter` 0..1), on a faint hiss. */
export function clicks(seconds: number, rate: number, period: number, jitter: number, seed: number): Float32Array {
  const u = random(seed);
  const x = hiss(seconds, rate, -66, seed);
  for (let t = 0.1; t < seconds; t += period * (1 + jitter * (u() - 0.5))) {
    const at = Math.round(t * rate);
    const decay = 0.002 * rate;
    for (let i = 0; i < 6 * decay && at + i < x.length; i++) x[at + i] = (x[at + i] ?? 0) + 0.3 * (u() - 0.5) * Math.exp(-i / decay);
  }
  return x;
}

/** A two-pole resonator (one formant), its coefficients updatable as the formant moves. */
class Resonator {
  private y1 = 0;
  private y2 = 0;
  private a1 = 0;
  private a2 = 0;
  private gain = 0;

  constructor(private readonly rate: number) {}

  tune(freq: number, bandwidth: number): void {
    const r = Math.exp((-Math.PI * bandwidth) / this.rate);
    this.a1 = 2 * r * Math.cos((2 * Math.PI * freq) / this.rate);
    this.a2 = -r * r;
    this.gain = 1 - r;
  }

  step(x: number): number {
    const y = this.gain * x + this.a1 * this.y1 + this.a2 * this.y2;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

/** Vowel formants (Peterson & Barney, adult male): a, e, i, o, u, and the schwa. */
const VOWELS: readonly (readonly [number, number, number])[] = [
  [730, 1090, 2440], [530, 1840, 2480], [270, 2290, 3010], [570, 840, 2410], [300, 870, 2240], [500, 1500, 2500],
];
const BANDWIDTHS = [70, 100, 140] as const;

export interface VoiceOptions {
  seconds: number;
  rate: number;
  seed: number;
  /** The speaker's mean pitch, Hz (about 100-130 for a man, 180-240 for a woman). */
  pitch: number;
  /** RMS level, dBFS (default -26). */
  level?: number;
  /** Speaks only between these times, seconds (default: all of it). */
  from?: number;
  until?: number;
}

interface Syllable {
  start: number;
  consonant: number; // seconds of consonant before the vowel
  fricative: boolean;
  end: number;
  vowel: readonly [number, number, number];
  accent: number; // relative pitch bump
  tone: [number, number]; // the vowel's pitch glides between these, semitones off the phrase's line
  loud: number;
}

/** Plans phrases of syllables with natural, irregular timing (speech is not isochronous) and pauses. */
function planSpeech(u: () => number, g: () => number, from: number, until: number): { syllables: Syllable[]; phrases: [number, number][] } {
  const syllables: Syllable[] = [];
  const phrases: [number, number][] = [];
  let t = from + between(u, 0, 0.25);
  while (t < until - 0.3) {
    const phraseStart = t;
    const count = 4 + Math.floor(u() * 9);
    for (let s = 0; s < count && t < until - 0.15; s++) {
      const length = between(u, 0.11, 0.3);
      const consonant = u() < 0.7 ? between(u, 0.03, 0.08) : 0;
      syllables.push({
        start: t, consonant, fricative: u() < 0.6, end: Math.min(until, t + length),
        vowel: VOWELS[Math.floor(u() * VOWELS.length)] ?? [500, 1500, 2500],
        accent: u() < 0.3 ? between(u, 0.06, 0.2) : 0, loud: between(u, 0.55, 1), tone: syllableTone(g),
      });
      t += length + (u() < 0.35 ? between(u, 0.02, 0.08) : 0); // a short gap between some words
    }
    phrases.push([phraseStart, t]);
    t += between(u, 0.2, 0.65); // a breath
  }
  return { syllables, phrases };
}

/** Each syllable's own pitch movement (a rise, a fall, or near level), semitones: speech's micro-melody. */
function syllableTone(g: () => number): [number, number] {
  const start = 1.2 * g();
  return [start, start + 1.5 * g()];
}

/** Rosenberg's glottal flow pulse over one period (phase 0..1): opens over 40 %, closes over 16 %. */
function glottalFlow(phase: number): number {
  if (phase < 0.4) return 0.5 - 0.5 * Math.cos((Math.PI * phase) / 0.4);
  if (phase < 0.56) return Math.cos((Math.PI * (phase - 0.4)) / 0.32);
  return 0;
}

/** One person speaking: see the file's head. */
export function voice(o: VoiceOptions): Float32Array {
  const u = random(o.seed);
  const g = gaussian(u);
  const rate = o.rate;
  const out = new Float32Array(Math.round(o.seconds * rate));
  const { syllables, phrases } = planSpeech(u, g, o.from ?? 0, o.until ?? o.seconds);
  const formantScale = o.pitch > 160 ? 1.17 : 1;
  const formants = [new Resonator(rate), new Resonator(rate), new Resonator(rate)];
  const fricative = new Resonator(rate);
  let phase = 0;
  let periodPitch = o.pitch;
  let periodAmp = 1;
  let prevFlow = 0;
  let drift = 0;
  let current: readonly number[] = VOWELS[5] ?? [500, 1500, 2500];
  let si = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    while (si < syllables.length && (syllables[si]?.end ?? 0) <= t) si++;
    const syl = syllables[si];
    if (!syl || t < syl.start) { prevFlow = 0; continue; }
    const phrase = phrases.find(([a, b]) => t >= a && t < b) ?? [syl.start, syl.end];
    const along = (t - phrase[0]) / Math.max(0.1, phrase[1] - phrase[0]);
    const vowelStart = syl.start + syl.consonant;
    const inSyl = (t - vowelStart) / Math.max(0.01, syl.end - vowelStart);
    if (i % 64 === 0) {
      drift = 0.98 * drift + 0.002 * g();
      const glide = Math.min(1, (t - vowelStart) / 0.05);
      current = current.map((f, k) => f + (((syl.vowel[k] ?? f) * formantScale) - f) * Math.max(0, glide) * 0.2);
      current.forEach((f, k) => formants[k]?.tune(f, BANDWIDTHS[k as 0 | 1 | 2]));
      fricative.tune(syl.fricative ? 4200 : 2600, 1800);
    }
    if (t < vowelStart) {
      const burst = syl.fricative ? 0.12 : (t - syl.start < 0.012 ? 0.25 : 0);
      out[i] = fricative.step(g() * burst * syl.loud);
      continue;
    }
    const declination = 1.12 - 0.24 * along;
    const accent = syl.accent * Math.sin(Math.PI * Math.min(1, Math.max(0, inSyl)));
    const tone = syl.tone[0] + (syl.tone[1] - syl.tone[0]) * Math.min(1, Math.max(0, inSyl));
    const pitch = o.pitch * declination * (1 + accent) * (1 + drift) * 2 ** (tone / 12);
    phase += periodPitch / rate;
    if (phase >= 1) {
      phase -= 1;
      periodPitch = pitch * (1 + 0.008 * g()); // jitter
      periodAmp = 1 + 0.06 * g(); // shimmer
    }
    const flow = glottalFlow(phase) * periodAmp;
    const source = (flow - prevFlow) * rate / 200 + 0.02 * g() * flow; // lip radiation, aspiration
    prevFlow = flow;
    const envelope = Math.sin(Math.PI * Math.min(1, Math.max(0, inSyl))) ** 0.6 * syl.loud;
    let y = source * envelope;
    for (const f of formants) y = f.step(y) * 4;
    out[i] = y;
  }
  return setLevel(out, o.level ?? -26);
}

export interface MusicOptions {
  seconds: number;
  rate: number;
  seed: number;
  /** RMS level, dBFS (default -22). */
  level?: number;
  /** Leave out the drums (a ballad, a film score). */
  noDrums?: boolean;
}

const MAJOR = [0, 2, 4, 5, 7, 9, 11] as const;
/** The melody's notes, in scale steps above the chord's root. */
const MELODY_STEPS = [0, 2, 4, 7, 1, 5] as const;
const PROGRESSIONS = [[0, 4, 5, 3], [0, 3, 4, 4], [5, 3, 0, 4], [0, 5, 3, 4]] as const;
const midiHz = (note: number): number => 440 * 2 ** ((note - 69) / 12);
const scaleNote = (key: number, degree: number): number =>
  key + 12 * Math.floor(degree / 7) + (MAJOR[((degree % 7) + 7) % 7] ?? 0);

/** Adds a harmonic tone (partials 1/k^1.3) with an attack and an exponential decay, optionally a vibrato. */
function addTone(
  out: Float32Array, rate: number, at: number, length: number, hz: number, amp: number, decay: number, vibrato = 0,
): void {
  const start = Math.round(at * rate);
  const end = Math.min(out.length, start + Math.round(length * rate));
  const partials = Math.max(1, Math.min(10, Math.floor(3800 / hz)));
  let phase = 0;
  for (let i = start; i < end; i++) {
    const t = (i - start) / rate;
    const env = Math.min(1, t / 0.01) * Math.exp(-t / decay) * Math.min(1, (end - i) / (0.02 * rate));
    phase += (hz * (1 + vibrato * Math.sin(2 * Math.PI * 5.5 * t))) / rate;
    let y = 0;
    for (let k = 1; k <= partials; k++) y += Math.sin(2 * Math.PI * k * phase) / k ** 1.3;
    out[i] = (out[i] ?? 0) + amp * env * y;
  }
}

/** Adds a drum hit: a kick (a falling sine), a snare (noise and a tone) or a hi-hat (bright short noise). */
function addDrum(out: Float32Array, rate: number, at: number, kind: 'kick' | 'snare' | 'hat', g: () => number): void {
  const start = Math.round(at * rate);
  const length = Math.round((kind === 'kick' ? 0.3 : kind === 'snare' ? 0.2 : 0.06) * rate);
  let phase = 0;
  let prev = 0;
  for (let i = start; i < Math.min(out.length, start + length); i++) {
    const t = (i - start) / rate;
    let y: number;
    if (kind === 'kick') {
      phase += (45 + 110 * Math.exp(-t / 0.04)) / rate;
      y = 1.2 * Math.sin(2 * Math.PI * phase) * Math.exp(-t / 0.12);
    } else if (kind === 'snare') {
      y = (0.6 * g() + 0.4 * Math.sin(2 * Math.PI * 185 * t)) * Math.exp(-t / 0.06);
    } else {
      const n = g();
      y = 0.25 * (n - prev) * Math.exp(-t / 0.015); // differenced noise: bright
      prev = n;
    }
    out[i] = (out[i] ?? 0) + y;
  }
}

/** TV-like music: a chord progression (pad and stabs), a bass line, a melody and a drum kit on a steady beat. */
export function music(o: MusicOptions): Float32Array {
  const u = random(o.seed);
  const g = gaussian(u);
  const rate = o.rate;
  const out = new Float32Array(Math.round(o.seconds * rate));
  const beat = 60 / between(u, 88, 132);
  const key = 55 + Math.floor(u() * 10);
  const progression = PROGRESSIONS[Math.floor(u() * PROGRESSIONS.length)] ?? PROGRESSIONS[0];
  const beats = Math.ceil(o.seconds / beat);
  for (let b = 0; b < beats; b++) {
    const at = b * beat;
    const root = progression[Math.floor(b / 4) % 4] ?? 0;
    if (b % 4 === 0) {
      for (const d of [0, 2, 4]) addTone(out, rate, at, 4 * beat, midiHz(scaleNote(key, root + d)), 0.12, 3); // pad
    }
    for (const d of [0, 2, 4]) addTone(out, rate, at, beat, midiHz(scaleNote(key, root + d)), 0.1, 0.25); // stab
    addTone(out, rate, at, beat * 0.9, midiHz(scaleNote(key - 24, root)), 0.35, 0.5); // bass
    for (let half = 0; half < 2; half++) {
      if (u() < 0.75) {
        const degree = root + (MELODY_STEPS[Math.floor(u() * MELODY_STEPS.length)] ?? 0);
        addTone(out, rate, at + half * beat / 2, beat / 2, midiHz(scaleNote(key + 12, degree)), 0.12, 0.4, 0.004);
      }
    }
    if (o.noDrums) continue;
    addDrum(out, rate, at, b % 2 === 0 ? 'kick' : 'snare', g);
    addDrum(out, rate, at, 'hat', g);
    addDrum(out, rate, at + beat / 2, 'hat', g);
  }
  return setLevel(out, o.level ?? -22);
}

/**
 * A living room: the signal convolved (by FFT) with a synthetic room response: the direct sound, a dozen early
 * reflections at random delays (3-30 ms) and a diffuse tail of decaying noise (RT60 `rt60` seconds, default 0.5) as loud as the direct sound
 * (`directToReverb` dB, default 0: someone a few metres away).
 */
export function reverberate(x: Float32Array, rate: number, seed: number, rt60 = 0.5, directToReverb = 0): Float32Array {
  const u = random(seed);
  const g = gaussian(u);
  const ir = new Float64Array(Math.round(rt60 * rate));
  ir[0] = 1;
  for (let k = 0; k < 12; k++) ir[Math.round(between(u, 0.003, 0.03) * rate)] = between(u, -0.5, 0.5);
  const tail = new Float64Array(ir.length);
  let energy = 0;
  for (let i = Math.round(0.01 * rate); i < ir.length; i++) {
    tail[i] = g() * 10 ** ((-3 * i) / (rt60 * rate));
    energy += (tail[i] ?? 0) ** 2;
  }
  const tailGain = Math.sqrt(10 ** (-directToReverb / 10) / energy);
  for (let i = 0; i < ir.length; i++) ir[i] = (ir[i] ?? 0) + tailGain * (tail[i] ?? 0);
  let size = 1;
  while (size < x.length + ir.length) size <<= 1;
  const fft = new Fft(size);
  const [ar, ai, br, bi] = [0, 0, 0, 0].map(() => new Float64Array(size)) as [Float64Array, Float64Array, Float64Array, Float64Array];
  ar.set(x);
  br.set(ir);
  fft.transform(ar, ai);
  fft.transform(br, bi);
  for (let k = 0; k < size; k++) {
    const re = (ar[k] ?? 0) * (br[k] ?? 0) - (ai[k] ?? 0) * (bi[k] ?? 0);
    const im = (ar[k] ?? 0) * (bi[k] ?? 0) + (ai[k] ?? 0) * (br[k] ?? 0);
    ar[k] = re;
    ai[k] = -im; // conjugate, so a forward transform inverts
  }
  fft.transform(ar, ai);
  const out = new Float32Array(x.length);
  for (let i = 0; i < out.length; i++) out[i] = (ar[i] ?? 0) / size;
  return setLevel(out, levelDb(x));
}
