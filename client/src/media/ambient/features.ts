// From frames to a few numbers that describe the few seconds as a whole: how much is voiced, how the speech-band
// loudness moves (speech rises and falls with its syllables, 2-8 times a second, and stops between phrases;
// music keeps going on a steady beat), whether pitches hold still like notes, and whether the pitches come from
// one voice or two (two pitch groups apart, or frames that only two periods explain).

import { quantile } from './dsp.js';
import { FRAME_RATE, type Frame } from './frames.js';
import { trackPitch } from './pitchTrack.js';

/** Frames this far below the loudest (95th percentile) are not part of the sound being judged. */
const ACTIVE_RANGE_DB = 35;
/** Below this speech-band level (dBFS) nothing is judged: a microphone's own hiss. */
const ABSOLUTE_FLOOR_DB = -75;
/** One period cancels a voiced frame to within this. */
const VOICED = 0.25;
/** A frame offers a pitch when one period, or a pair, leaves less than this. */
const CANDIDATE_RESIDUAL = 0.25;
/** A held tone stays within this many semitones for this many frames. */
const HELD_SPREAD = 0.25;
const HELD_FRAMES = Math.round(0.3 * FRAME_RATE);

export interface Features {
  /** Share of all frames that are voiced (periodic, with a pitch in the speech range). */
  voiced: number;
  /** Share of frames in a pause: 20 dB or more below the loud (90th percentile) frames. */
  pauses: number;
  /** RMS (dB) of the speech-band loudness's modulation at syllable rates, 2-8 Hz. */
  syllabic: number;
  /** How regularly onsets repeat (autocorrelation of the onset strength at 0.3-1 s lags, 0..1). */
  beat: number;
  /** Share of active frames with a held tone (see heldTones), and how many different pitches were held. */
  held: number;
  heldPitches: number;
  /** Share of voiced frames in runs that two unrelated periods explain and one does not. */
  doubled: number;
  /** Two pitch groups: the gap between them (semitones) and the smaller group's share, or 0. */
  pitchGap: number;
  pitchMinority: number;
  /** Median spectral flatness of active frames. */
  flatness: number;
}

/** Summarises frames (see Features). */
export function describe(frames: readonly Frame[]): Features {
  const loud = quantile(frames.map((f) => f.band), 0.95);
  const floor = Math.max(ABSOLUTE_FLOOR_DB, loud - ACTIVE_RANGE_DB);
  const active = frames.map((f) => f.band > floor);
  const voiced = frames.map((f, i) => (active[i] ?? false) && f.pitch > 0 && f.single < VOICED);
  const voicedCount = count(voiced);
  const tracked = trackPitch(frames, voiced);
  const pitches = Array.from(tracked.filter((hz) => hz > 0), (hz) => 12 * Math.log2(hz / 100));
  const groups = pitchGroups(pitches);
  const held = heldTones(frames, active);
  return {
    voiced: voicedCount / Math.max(1, frames.length),
    pauses: pauseShare(frames, floor),
    syllabic: syllabicModulation(frames, floor),
    beat: beatStrength(frames),
    held: held.share,
    heldPitches: held.pitches,
    doubled: voicedCount > 0 ? doubledRuns(frames, active) / voicedCount : 0,
    pitchGap: groups.gap,
    pitchMinority: groups.minority,
    flatness: quantile(frames.filter((_, i) => active[i]).map((f) => f.flatness), 0.5) || 1,
  };
}

const count = (flags: readonly boolean[]): number => flags.reduce((s, f) => s + (f ? 1 : 0), 0);

/** The speech-band level in dB, floored, so silence between syllables reads as the floor and not minus infinity. */
function envelope(frames: readonly Frame[], floor: number): Float64Array {
  return Float64Array.from(frames, (f) => Math.max(f.band, floor));
}

function pauseShare(frames: readonly Frame[], floor: number): number {
  const env = envelope(frames, floor);
  const high = quantile(env, 0.9);
  return count(Array.from(env, (v) => v < high - 20)) / Math.max(1, env.length);
}

/**
 * The RMS (dB) of the envelope's 2-8 Hz part: its Hann-windowed spectrum by direct DFT at 0.25 Hz steps, summed
 * as a density (Parseval), so the answer does not depend on how long the recording is.
 */
function syllabicModulation(frames: readonly Frame[], floor: number): number {
  const env = envelope(frames, floor);
  const n = env.length;
  if (n < FRAME_RATE) return 0;
  const mean = env.reduce((s, v) => s + v, 0) / n;
  const weighted = Float64Array.from(env, (v, i) => (v - mean) * (0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n)));
  const windowPower = n * 0.375;
  const step = 0.25;
  let sum = 0;
  for (let hz = 2; hz <= 8; hz += step) {
    let re = 0;
    let im = 0;
    const w = (2 * Math.PI * hz) / FRAME_RATE;
    for (let i = 0; i < n; i++) {
      re += (weighted[i] ?? 0) * Math.cos(w * i);
      im -= (weighted[i] ?? 0) * Math.sin(w * i);
    }
    sum += re * re + im * im;
  }
  return Math.sqrt((2 * step * sum) / (FRAME_RATE * windowPower));
}

/**
 * How regularly onsets repeat: in each of four bands (so a kick drum or a hi-hat is not drowned by a voice), the
 * onset strength (rises of the band's level) and its best normalized autocorrelation at beat-like lags (0.3-1 s,
 * 60-200 beats a minute); the strongest band's.
 */
function beatStrength(frames: readonly Frame[]): number {
  let best = 0;
  for (let b = 0; b < 4; b++) {
    const level = frames.map((f) => f.bands[b] ?? -120);
    const floor = Math.max(ABSOLUTE_FLOOR_DB, quantile(level, 0.95) - ACTIVE_RANGE_DB);
    const onsets = new Float64Array(frames.length);
    for (let i = 1; i < frames.length; i++) {
      onsets[i] = Math.max(0, Math.max(level[i] ?? 0, floor) - Math.max(level[i - 1] ?? 0, floor));
    }
    best = Math.max(best, periodicity(onsets, Math.round(0.3 * FRAME_RATE), Math.round(1 * FRAME_RATE)));
  }
  return best;
}

/** The best normalized autocorrelation of a mean-removed series at a lag and at twice it (a steady pulse has both). */
function periodicity(series: Float64Array, minLag: number, maxLag: number): number {
  const mean = series.reduce((s, v) => s + v, 0) / Math.max(1, series.length);
  const centred = series.map((v) => v - mean);
  const at = (lag: number): number => {
    let sum = 0;
    for (let i = 0; i + lag < centred.length; i++) sum += (centred[i] ?? 0) * (centred[i + lag] ?? 0);
    return sum / (centred.length - lag);
  };
  const zero = at(0);
  if (zero <= 0) return 0;
  let best = 0;
  for (let lag = minLag; lag <= maxLag && 2 * lag < centred.length - FRAME_RATE; lag++) {
    best = Math.max(best, Math.min(at(lag), at(2 * lag)) / zero);
  }
  return best;
}

/** Two unrelated periods cancel at least 40 % of what the best single period leaves, and a noticeable amount. */
function twoSources(f: Frame | undefined): f is Frame {
  return !!f && f.joint <= 0.6 * f.single && f.single - f.joint >= 0.05;
}

/** A pitch a frame offers: its single period's when that explains it, and its pair's when two do. */
function candidates(f: Frame): number[] {
  const found: number[] = [];
  if (f.pitch > 0 && f.single < CANDIDATE_RESIDUAL) found.push(f.pitch);
  if (twoSources(f)) found.push(...f.pair);
  return found.map((hz) => 12 * Math.log2(hz / 100));
}

/**
 * Held tones: pitches that stay within a quarter semitone for 300 ms or more (gaps of up to two frames bridged),
 * as an instrument's notes do and a speaking voice's pitch does not. Returns the share of active frames some held
 * tone covers, and how many different held pitches there were (a hum has one; music changes notes).
 */
function heldTones(frames: readonly Frame[], active: readonly boolean[]): { share: number; pitches: number } {
  const covered = new Uint8Array(frames.length);
  const pitches: number[] = [];
  const perFrame = frames.map((f, i) => (active[i] ? candidates(f) : []));
  for (let i = 0; i < frames.length; i++) {
    for (const reference of perFrame[i] ?? []) {
      if (pitches.some((p) => Math.abs(p - reference) < HELD_SPREAD) && covered[i]) continue;
      let last = i;
      for (let j = i + 1; j < frames.length && j - last <= 3; j++) {
        if ((perFrame[j] ?? []).some((c) => Math.abs(c - reference) <= HELD_SPREAD)) last = j;
      }
      if (last - i + 1 < HELD_FRAMES) continue;
      covered.fill(1, i, last + 1);
      if (!pitches.some((p) => Math.abs(p - reference) < 1)) pitches.push(reference);
    }
  }
  const activeCount = count(active);
  return { share: activeCount > 0 ? covered.reduce((s, v) => s + v, 0) / activeCount : 0, pitches: pitches.length };
}

/**
 * Frames where two unrelated periods cancel at least half of what the best single period leaves (and a
 * noticeable amount), and the two pitches hold from the frame before to the frame after: two voices at once.
 */
function doubledRuns(frames: readonly Frame[], active: readonly boolean[]): number {
  const same = (a: Frame, b: Frame): boolean =>
    Math.abs(Math.log(a.pair[0] / b.pair[0])) < 0.03 && Math.abs(Math.log(a.pair[1] / b.pair[1])) < 0.03;
  let doubled = 0;
  for (let i = 1; i + 1 < frames.length; i++) {
    const [before, here, after] = [frames[i - 1], frames[i], frames[i + 1]];
    if (!active[i] || !twoSources(before) || !twoSources(here) || !twoSources(after)) continue;
    if (same(before, here) && same(here, after)) doubled++;
  }
  return doubled;
}

/**
 * Splits the voiced pitches (semitones) in two where the groups are best separated (Otsu's criterion): one voice
 * gives one group, a few semitones wide; two voices give two, apart. Returns the gap and the smaller group's share
 * when the split explains most of the spread, else zeros.
 */
function pitchGroups(semitones: number[]): { gap: number; minority: number } {
  const sorted = [...semitones].sort((a, b) => a - b);
  const n = sorted.length;
  if (n < 8) return { gap: 0, minority: 0 };
  const prefix = new Float64Array(n + 1);
  const prefixSq = new Float64Array(n + 1);
  sorted.forEach((v, i) => { prefix[i + 1] = (prefix[i] ?? 0) + v; prefixSq[i + 1] = (prefixSq[i] ?? 0) + v * v; });
  const total = prefix[n] ?? 0;
  const variance = (prefixSq[n] ?? 0) / n - (total / n) ** 2;
  let best = { explained: 0, gap: 0, minority: 0 };
  for (let k = 1; k < n; k++) {
    const lowMean = (prefix[k] ?? 0) / k;
    const highMean = (total - (prefix[k] ?? 0)) / (n - k);
    const between = (k / n) * (1 - k / n) * (highMean - lowMean) ** 2;
    const explained = variance > 0 ? between / variance : 0;
    if (explained > best.explained) best = { explained, gap: highMean - lowMean, minority: Math.min(k, n - k) / n };
  }
  return best.explained >= 0.75 ? { gap: best.gap, minority: best.minority } : { gap: 0, minority: 0 };
}
