import { describe, expect, it } from 'vitest';
import { ANALYSIS_RATE, Fft, highPass, quantile, resample } from './dsp.js';
import { FRAME, FrameAnalyser } from './frames.js';

const sine = (hz: number, rate: number, seconds: number, amp = 0.5): Float32Array =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate));

const rms = (x: Float32Array, from = 0, to = x.length): number => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (x[i] ?? 0) ** 2;
  return Math.sqrt(sum / (to - from));
};

describe('the pieces of the ambient analysis', () => {
  it('the FFT agrees with a direct DFT', () => {
    const n = 64;
    const re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + (i % 5) * 0.1);
    const im = new Float64Array(n);
    const input = Float64Array.from(re);
    new Fft(n).transform(re, im);
    for (const k of [0, 1, 7, 31, 63]) {
      let dr = 0;
      let di = 0;
      input.forEach((v, t) => { dr += v * Math.cos((2 * Math.PI * k * t) / n); di -= v * Math.sin((2 * Math.PI * k * t) / n); });
      expect(re[k]).toBeCloseTo(dr, 9);
      expect(im[k]).toBeCloseTo(di, 9);
    }
  });

  it.each([16000, 44100, 48000])('down-sampling from %i Hz keeps 1 kHz and removes 6 kHz (no folding into the speech band)', (rate) => {
    const kept = resample(sine(1000, rate, 0.5), rate, ANALYSIS_RATE);
    const folded = resample(sine(6000, rate, 0.5), rate, ANALYSIS_RATE);
    expect(kept.length).toBe(Math.floor(0.5 * ANALYSIS_RATE));
    expect(rms(kept, 200, 3800) / (0.5 / Math.SQRT2)).toBeCloseTo(1, 2);
    expect(20 * Math.log10(rms(folded, 200, 3800) / (0.5 / Math.SQRT2))).toBeLessThan(-50);
  });

  it('the high-pass (12 dB an octave below 70 Hz) lowers 30 Hz rumble 15 dB and keeps 300 Hz', () => {
    const low = sine(30, ANALYSIS_RATE, 1);
    const mid = sine(300, ANALYSIS_RATE, 1);
    highPass(low, 70, ANALYSIS_RATE);
    highPass(mid, 70, ANALYSIS_RATE);
    expect(rms(low, 4000, 8000)).toBeLessThan(0.2 * rms(mid, 4000, 8000));
    expect(rms(mid, 4000, 8000) / (0.5 / Math.SQRT2)).toBeGreaterThan(0.95);
  });

  it('a frame of a harmonic tone has its pitch, one period cancels it and its level reads in dBFS', () => {
    for (const f0 of [85, 140, 230, 380]) {
      const x = new Float32Array(FRAME + 10);
      for (let i = 0; i < x.length; i++) for (let k = 1; k * f0 < 3500; k++) x[i] = (x[i] ?? 0) + (0.1 / k) * Math.sin((2 * Math.PI * k * f0 * i) / ANALYSIS_RATE);
      const frame = new FrameAnalyser().analyse(x, 0);
      expect(Math.abs(12 * Math.log2(frame.pitch / f0))).toBeLessThan(0.3);
      expect(frame.single).toBeLessThan(0.05);
    }
    const tone = new FrameAnalyser().analyse(sine(1000, ANALYSIS_RATE, 0.1, 1), 0);
    expect(tone.band).toBeCloseTo(10 * Math.log10(0.5), 0);
  });

  it('two harmonic tones a tenth apart need two periods; white noise is cancelled by neither', () => {
    const x = new Float32Array(FRAME);
    for (let i = 0; i < x.length; i++) {
      for (const f0 of [110, 196]) for (let k = 1; k * f0 < 3500; k++) x[i] = (x[i] ?? 0) + (0.1 / k) * Math.sin((2 * Math.PI * k * f0 * i) / ANALYSIS_RATE + k);
    }
    const two = new FrameAnalyser().analyse(x, 0);
    expect(two.single).toBeGreaterThan(0.2);
    expect(two.joint).toBeLessThan(0.3 * two.single);
    expect(two.pair.map((hz) => Math.round(hz / 5) * 5)).toEqual([110, 195]);
    let seed = 1;
    const noise = Float32Array.from({ length: FRAME }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5);
    const frame = new FrameAnalyser().analyse(noise, 0);
    expect(frame.single).toBeGreaterThan(0.5);
    expect(frame.joint).toBeGreaterThan(0.4);
  });

  it('quantiles interpolate', () => {
    expect(quantile([3, 1, 2, 4], 0.5)).toBe(2.5);
    expect(quantile([5], 0.9)).toBe(5);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
