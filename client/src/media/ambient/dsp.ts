// Small signal-processing pieces for the ambient check: a band-limited resampler, a high-pass biquad, a radix-2
// FFT and a few statistics. Pure and allocation-light: the check runs on phones, on a few seconds of audio.

/** The rate the analysis works at: speech pitch and formants, and a music bed, all live below 4 kHz. */
export const ANALYSIS_RATE = 8000;

const ZERO_CROSSINGS = 8;
const TABLE_STEPS = 64;

/**
 * Down-samples with a Blackman-windowed sinc (cut-off at 90 % of the new Nyquist, 8 zero crossings each side),
 * so fans, hiss and cymbals above 4 kHz do not fold back into the speech band. The kernel is tabulated once per
 * call; each output sample costs some 2·8·from/to multiply-adds (about 100 at 48 kHz).
 */
export function resample(input: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return Float32Array.from(input);
  if (from < to) throw new RangeError(`ambient: cannot up-sample ${from} Hz to ${to} Hz`);
  const ratio = from / to;
  const cutoff = (0.9 * 0.5) / ratio; // cycles per input sample
  const half = ZERO_CROSSINGS * ratio; // kernel half-width, input samples
  const table = new Float32Array(Math.ceil(half * TABLE_STEPS) + 2);
  for (let i = 0; i < table.length; i++) {
    const d = i / TABLE_STEPS;
    const x = 2 * cutoff * d;
    const sinc = d === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const w = d >= half ? 0 : 0.42 + 0.5 * Math.cos((Math.PI * d) / half) + 0.08 * Math.cos((2 * Math.PI * d) / half);
    table[i] = sinc * w;
  }
  const out = new Float32Array(Math.floor(input.length / ratio));
  for (let n = 0; n < out.length; n++) {
    const centre = n * ratio;
    const first = Math.max(0, Math.ceil(centre - half));
    const last = Math.min(input.length - 1, Math.floor(centre + half));
    let acc = 0;
    let norm = 0;
    for (let k = first; k <= last; k++) {
      const h = table[Math.round(Math.abs(k - centre) * TABLE_STEPS)] ?? 0;
      acc += h * (input[k] ?? 0);
      norm += h;
    }
    out[n] = norm > 0 ? acc / norm : 0;
  }
  return out;
}

/** Second-order Butterworth high-pass, in place: takes mains hum and rumble out of the pitch analysis. */
export function highPass(x: Float32Array, cornerHz: number, rate: number): void {
  const w = Math.tan((Math.PI * cornerHz) / rate);
  const q = Math.SQRT1_2;
  const norm = 1 / (1 + w / q + w * w);
  const b0 = norm;
  const a1 = 2 * (w * w - 1) * norm;
  const a2 = (1 - w / q + w * w) * norm;
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let n = 0; n < x.length; n++) {
    const x0 = x[n] ?? 0;
    const y0 = b0 * (x0 - 2 * x1 + x2) - a1 * y1 - a2 * y2;
    x2 = x1; x1 = x0; y2 = y1; y1 = y0;
    x[n] = y0;
  }
}

/** An in-place complex radix-2 FFT of one fixed size, with its twiddles and bit-reversal computed once. */
export class Fft {
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(readonly size: number) {
    if (size < 2 || (size & (size - 1)) !== 0) throw new RangeError('ambient: FFT size must be a power of two');
    this.cos = new Float64Array(size / 2);
    this.sin = new Float64Array(size / 2);
    for (let i = 0; i < size / 2; i++) {
      this.cos[i] = Math.cos((2 * Math.PI * i) / size);
      this.sin[i] = -Math.sin((2 * Math.PI * i) / size);
    }
    this.rev = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  /** Forward transform of (re, im), in place. */
  transform(re: Float64Array, im: Float64Array): void {
    const n = this.size;
    for (let i = 0; i < n; i++) {
      const j = this.rev[i] ?? 0;
      if (j > i) {
        const tr = re[i] ?? 0; re[i] = re[j] ?? 0; re[j] = tr;
        const ti = im[i] ?? 0; im[i] = im[j] ?? 0; im[j] = ti;
      }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const halfLen = len >> 1;
      const step = n / len;
      for (let start = 0; start < n; start += len) {
        for (let k = 0; k < halfLen; k++) {
          const wr = this.cos[k * step] ?? 0;
          const wi = this.sin[k * step] ?? 0;
          const a = start + k;
          const b = a + halfLen;
          const br = re[b] ?? 0, bi = im[b] ?? 0;
          const tr = wr * br - wi * bi;
          const ti = wr * bi + wi * br;
          const ar = re[a] ?? 0, ai = im[a] ?? 0;
          re[b] = ar - tr; im[b] = ai - ti;
          re[a] = ar + tr; im[a] = ai + ti;
        }
      }
    }
  }
}

/** The Hann window of a length. */
export function hann(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let i = 0; i < length; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / length);
  return w;
}

/** Power to decibels, with a floor so silence stays finite. */
export function toDb(power: number): number {
  return 10 * Math.log10(Math.max(power, 1e-12));
}

/** The p-th quantile (0..1) of some numbers, by sorting a copy; NaN when there are none. */
export function quantile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const at = Math.min(sorted.length - 1, Math.max(0, p * (sorted.length - 1)));
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (at - lo);
}
