// Frame by frame (64 ms windows every 16 ms, at 8 kHz): loudness in the speech band, spectral flatness, and
// periodicity: how well one period, or two unrelated periods together, cancel the frame. A voice is (nearly)
// periodic, so one delay cancels it; two people speaking at once need two delays (de Cheveigné & Kawahara's
// joint cancellation model, 1999); noise is cancelled by neither; a chord often by its common period.

import { ANALYSIS_RATE, Fft, hann, toDb } from './dsp.js';

export const FRAME = 512;
export const HOP = 128;
/** Frames per second. */
export const FRAME_RATE = ANALYSIS_RATE / HOP;

const FFT_SIZE = 1024;
const BIN_HZ = ANALYSIS_RATE / FFT_SIZE;
/** Pitch range searched: 70-400 Hz, as lags in samples. */
const MIN_LAG = Math.floor(ANALYSIS_RATE / 400);
const MAX_LAG = Math.ceil(ANALYSIS_RATE / 70);
/** Two periods closer than this ratio (5 semitones) are one voice, jittery or gliding under its own echo, not two. */
const MIN_PAIR_RATIO = 1.33;
/** Praat's octave cost: among equal peaks, prefer the shorter period (avoids halving the pitch). */
const OCTAVE_COST = 0.02;
const MAX_PEAKS = 4;

export interface Frame {
  /** Power in the speech band (300-3400 Hz), dB re full scale. */
  band: number;
  /** Power in four bands (below 250 Hz, 250-800, 800-2500, above 2500), dB: drums and bass show in their own. */
  bands: [number, number, number, number];
  /** Spectral flatness over 100-3800 Hz: near 1 for noise, near 0 for tones. */
  flatness: number;
  /** Pitch of the best single period, Hz, or 0 when no peak was found. */
  pitch: number;
  /** The strongest few autocorrelation peaks, best first: [pitch Hz, strength] (for the pitch tracker). */
  peaks: [number, number][];
  /** What one period leaves uncancelled: 1 - normalized autocorrelation at the pitch period (0 = periodic). */
  single: number;
  /** What the best two unrelated periods leave, jointly (0 = two periodic sources; 1 or more = neither). */
  joint: number;
  /** The two pitches of that best pair, Hz (lower first). */
  pair: [number, number];
  /** The normalized autocorrelation by lag (samples at 8 kHz), for cancelling a known source (see besidePeriod). */
  rho: Float32Array;
}

/** Reusable buffers and the window, for one analysis. */
export class FrameAnalyser {
  private readonly fft = new Fft(FFT_SIZE);
  private readonly window = hann(FRAME);
  private readonly windowAc: Float64Array;
  private readonly re = new Float64Array(FFT_SIZE);
  private readonly im = new Float64Array(FFT_SIZE);
  private readonly rho = new Float64Array(2 * MAX_LAG + 2);
  private readonly octaveCost = Float64Array.from({ length: MAX_LAG + 1 }, (_, lag) => OCTAVE_COST * Math.log2(Math.max(lag, MIN_LAG) / MIN_LAG));

  constructor() {
    // The window's own autocorrelation, to undo its taper on the signal's (Boersma 1993).
    this.windowAc = new Float64Array(2 * MAX_LAG + 2);
    for (let lag = 0; lag < this.windowAc.length; lag++) {
      let sum = 0;
      for (let i = 0; i + lag < FRAME; i++) sum += (this.window[i] ?? 0) * (this.window[i + lag] ?? 0);
      this.windowAc[lag] = sum;
    }
    const zero = this.windowAc[0] ?? 1;
    for (let lag = 0; lag < this.windowAc.length; lag++) this.windowAc[lag] = (this.windowAc[lag] ?? 0) / zero;
  }

  /** Analyses the frame that starts at `start` in an 8 kHz signal (zeros past its end). */
  analyse(x: Float32Array, start: number): Frame {
    const { re, im } = this;
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < FRAME; i++) re[i] = (x[start + i] ?? 0) * (this.window[i] ?? 0);
    this.fft.transform(re, im);
    let band = 0;
    const bands = new Float64Array(4);
    let logSum = 0;
    let linSum = 0;
    let count = 0;
    for (let k = 0; k < FFT_SIZE; k++) {
      const power = (re[k] ?? 0) ** 2 + (im[k] ?? 0) ** 2;
      re[k] = power;
      im[k] = 0;
      if (k > FFT_SIZE / 2) continue;
      const hz = k * BIN_HZ;
      if (hz >= 300 && hz <= 3400) band += power;
      if (hz >= 60) { const b = hz < 250 ? 0 : hz < 800 ? 1 : hz < 2500 ? 2 : 3; bands[b] = (bands[b] ?? 0) + power; }
      if (hz >= 100 && hz <= 3800) { logSum += Math.log(power + 1e-20); linSum += power; count++; }
    }
    const flatness = linSum > 0 ? Math.exp(logSum / count) / (linSum / count) : 1;
    // Parseval: the one-sided band power back to a mean square (a Hann window keeps 3/8 of the power), in dBFS.
    const toMeanSquare = 2 / (FFT_SIZE * FRAME * 0.375);
    const bandDb = toDb(band * toMeanSquare);
    const bandsDb = Array.from(bands, (b) => toDb(b * toMeanSquare)) as Frame['bands'];
    this.fft.transform(re, im); // the power spectrum's transform is the autocorrelation
    const zero = re[0] ?? 0;
    if (zero <= 1e-18) return { band: bandDb, bands: bandsDb, flatness, pitch: 0, peaks: [], single: 1, joint: 1, pair: [0, 0], rho: new Float32Array(0) };
    for (let lag = 0; lag < this.rho.length; lag++) {
      this.rho[lag] = (re[lag] ?? 0) / zero / (this.windowAc[lag] ?? 1);
    }
    const peaks = this.peaks();
    const [lag, value] = peaks[0] ?? [0, 0];
    const joint = this.bestPair();
    return {
      band: bandDb, bands: bandsDb, flatness,
      pitch: lag > 0 ? ANALYSIS_RATE / lag : 0,
      peaks: peaks.map(([l, v]) => [ANALYSIS_RATE / l, v - OCTAVE_COST * Math.log2(l / MIN_LAG)]),
      single: 1 - value,
      joint: joint.residual,
      pair: [ANALYSIS_RATE / joint.long, ANALYSIS_RATE / joint.short],
      rho: Float32Array.from(this.rho),
    };
  }

  /** The autocorrelation's local peaks in the pitch range, refined by a parabola, best (after octave cost) first. */
  private peaks(): [number, number][] {
    const rho = this.rho;
    const found: [number, number, number][] = [];
    for (let lag = MIN_LAG; lag <= MAX_LAG; lag++) {
      const here = rho[lag] ?? 0;
      const before = rho[lag - 1] ?? 0;
      const after = rho[lag + 1] ?? 0;
      if (here < before || here < after || here <= 0) continue;
      const denominator = before - 2 * here + after;
      const shift = denominator < 0 ? (0.5 * (before - after)) / denominator : 0;
      const value = Math.min(1, here - 0.25 * (before - after) * shift);
      found.push([lag + shift, value, value - OCTAVE_COST * Math.log2(lag / MIN_LAG)]);
    }
    return found.sort((a, b) => b[2] - a[2]).slice(0, MAX_PEAKS).map(([lag, value]) => [lag, value]);
  }

  /** The pair of periods (not near each other) that jointly cancel the frame best: the model's residual. */
  private bestPair(): { residual: number; short: number; long: number } {
    const rho = this.rho;
    let bestScore = Infinity;
    let best = { residual: 1, short: MIN_LAG, long: MAX_LAG };
    for (let a = MIN_LAG; a <= MAX_LAG; a++) {
      if ((rho[a] ?? 0) <= 0) continue;
      for (let b = Math.ceil(a * MIN_PAIR_RATIO); b <= MAX_LAG; b++) {
        const residual = jointResidual(rho, a, b);
        // Twice a period cancels all that the period does: the octave cost keeps each pitch from halving.
        const score = residual + (this.octaveCost[a] ?? 0) + (this.octaveCost[b] ?? 0);
        if (score < bestScore) { bestScore = score; best = { residual, short: a, long: b }; }
      }
    }
    return best;
  }
}

/**
 * What two comb filters, delays a < b, leave of a frame, from its autocorrelation (white noise 1, two periodic
 * sources 0): E[(x - x(t-a) - x(t-b) + x(t-a-b))^2] / 4 E[x^2].
 */
function jointResidual(rho: ArrayLike<number>, a: number, b: number): number {
  return (4 - 4 * (rho[a] ?? 0) - 4 * (rho[b] ?? 0) + 2 * (rho[a + b] ?? 0) + 2 * (rho[b - a] ?? 0)) / 4;
}

/** Beside a known steady source, half the period is taken when it cancels nearly as well (within this). */
const OCTAVE_SLACK = 0.05;

/**
 * With one period fixed (a hum's, at `hz`), the other period that best cancels what is left: that pitch, the
 * residual of the two, and what the fixed period leaves alone. A comb at twice a voice's period cancels it as well
 * as one at its period, so half the period wins when it does nearly as well.
 */
export function besidePeriod(frame: Frame, hz: number): { pitch: number; residual: number; alone: number } {
  const { rho } = frame;
  const a = Math.round(ANALYSIS_RATE / hz);
  const alone = 1 - (rho[a] ?? 0);
  const residual = (b: number): number =>
    Math.max(a, b) < MIN_PAIR_RATIO * Math.min(a, b) ? Infinity : jointResidual(rho, Math.min(a, b), Math.max(a, b));
  let best = 0;
  let minimum = Infinity;
  for (let b = MIN_LAG; b <= MAX_LAG; b++) {
    const r = residual(b);
    if (r < minimum) { minimum = r; best = b; }
  }
  if (best === 0) return { pitch: 0, residual: alone, alone };
  for (let half = Math.round(best / 2); half >= MIN_LAG && residual(half) <= minimum + OCTAVE_SLACK; half = Math.round(half / 2)) {
    best = half;
  }
  return { pitch: ANALYSIS_RATE / best, residual: residual(best), alone };
}
