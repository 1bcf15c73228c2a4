// From frames to a few numbers that describe the few seconds as a whole: how much is voiced, how the speech-band
// loudness moves (speech rises and falls with its syllables, 2-8 times a second, and stops between phrases;
// music keeps going on a steady beat), whether pitches hold still like notes, and whether the pitches come from
// one voice or two (two pitch groups apart, or frames that only two periods explain).

import { quantile } from './dsp.js';
import { besidePeriod, FRAME_RATE, type Frame } from './frames.js';
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
/** Pairs nearer than this ratio, or outside these pitches, sit at the edge of the pair search (frames.ts). */
const PAIR_EDGE_RATIO = 1.38;
const PAIR_EDGE_HZ = [72, 390] as const;
/** A pitch group is a voice only with a quarter of a second of voiced frames (not a few stray octave errors). */
const MIN_GROUP_FRAMES = Math.round(0.25 * FRAME_RATE);
/** A pitch held this long in all is a hum or a drone, not a voice. */
const DRONE_FRAMES = Math.round(1.5 * FRAME_RATE);

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
export function describe(raw: readonly Frame[]): Features {
  const loud = quantile(raw.map((f) => f.band), 0.95);
  const floor = Math.max(ABSOLUTE_FLOOR_DB, loud - ACTIVE_RANGE_DB);
  const active = raw.map((f) => f.band > floor);
  const held = heldTones(raw, active);
  const drone = (hz: number): boolean => held.drones.some((d) => Math.abs(semitones(hz) - d) < 0.5);
  const hum = held.drones[0]; // the longest held
  const frames = hum === undefined ? raw : raw.map((f) => withoutDrone(f, 100 * 2 ** (hum / 12)));
  const voiced = frames.map((f, i) => (active[i] ?? false) && f.pitch > 0 && f.single < VOICED);
  const voicedCount = count(voiced);
  const tracked = trackPitch(frames, voiced);
  const groups = pitchGroups(voicedRuns(tracked));
  return {
    voiced: voicedCount / Math.max(1, frames.length),
    pauses: pauseShare(raw, floor),
    syllabic: syllabicModulation(raw, floor),
    beat: beatStrength(raw),
    held: held.share,
    heldPitches: held.pitches,
    doubled: voicedCount > 0 ? doubledRuns(raw, active, drone) / voicedCount : 0,
    pitchGap: groups.gap,
    pitchMinority: groups.minority,
    flatness: quantile(raw.filter((_, i) => active[i]).map((f) => f.flatness), 0.5) || 1,
  };
}

const count = (flags: readonly boolean[]): number => flags.reduce((s, f) => s + (f ? 1 : 0), 0);
const semitones = (hz: number): number => 12 * Math.log2(hz / 100);

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
  return found.map(semitones);
}

/**
 * Held tones: pitches that stay within a quarter semitone for 300 ms or more (gaps of up to two frames bridged),
 * as an instrument's notes do and a speaking voice's pitch does not. Returns the share of active frames some held
 * tone covers, how many different pitches were held (a hum has one; music changes notes), and the drones: pitches
 * held 1.5 s or more in all, a hum or a pedal note, which are nobody speaking.
 */
function heldTones(frames: readonly Frame[], active: readonly boolean[]): Held {
  const covered = new Uint8Array(frames.length);
  const tones: { pitch: number; frames: number; until: number }[] = [];
  const perFrame = frames.map((f, i) => (active[i] ? candidates(f) : []));
  for (let i = 0; i < frames.length; i++) {
    for (const reference of perFrame[i] ?? []) {
      const known = tones.find((t) => Math.abs(t.pitch - reference) < 1);
      if (known && known.until >= i) continue; // inside a run already counted
      let last = i;
      for (let j = i + 1; j < frames.length && j - last <= 3; j++) {
        if ((perFrame[j] ?? []).some((c) => Math.abs(c - reference) <= HELD_SPREAD)) last = j;
      }
      if (last - i + 1 < HELD_FRAMES) continue;
      covered.fill(1, i, last + 1);
      if (known) { known.frames += last - i + 1; known.until = last; } else tones.push({ pitch: reference, frames: last - i + 1, until: last });
    }
  }
  const activeCount = count(active);
  return {
    share: activeCount > 0 ? covered.reduce((s, v) => s + v, 0) / activeCount : 0,
    pitches: tones.length,
    drones: tones.filter((t) => t.frames >= DRONE_FRAMES).sort((a, b) => b.frames - a.frames).map((t) => t.pitch),
  };
}

interface Held {
  share: number;
  pitches: number;
  /** Semitones re 100 Hz, the longest held first. */
  drones: number[];
}

/**
 * A frame with a drone (a hum) cancelled: the period that, beside the drone's, best cancels the frame is its
 * pitch, if that explains enough; else the frame is the drone's alone (or a voice too weak to tell), not voiced.
 */
function withoutDrone(f: Frame, droneHz: number): Frame {
  if (f.pitch <= 0) return f;
  const beside = besidePeriod(f, droneHz);
  if (beside.pitch > 0 && beside.residual <= 0.6 * beside.alone && beside.alone - beside.residual >= 0.05) {
    return { ...f, pitch: beside.pitch, peaks: [[beside.pitch, 1 - beside.residual]], single: beside.residual };
  }
  return { ...f, pitch: 0, peaks: [], single: 1 };
}

/**
 * Frames where two unrelated periods cancel at least 40 % of what the best single period leaves (and a noticeable
 * amount), and the two pitches hold from the frame before to the frame after: two voices at once. Not when one is
 * a drone (a voice over a hum is one voice), nor when the pair is an artefact of one voice and its echo: an octave
 * apart (a comb at half the period), or at the edge of what was searched (pitch range, or 5 semitones apart).
 */
function doubledRuns(frames: readonly Frame[], active: readonly boolean[], drone: (hz: number) => boolean): number {
  const same = (a: Frame, b: Frame): boolean =>
    Math.abs(Math.log(a.pair[0] / b.pair[0])) < 0.03 && Math.abs(Math.log(a.pair[1] / b.pair[1])) < 0.03;
  const distinct = ([low, high]: [number, number]): boolean =>
    high / low >= PAIR_EDGE_RATIO && Math.abs(high / low / 2 - 1) >= 0.04 && low > PAIR_EDGE_HZ[0] && high < PAIR_EDGE_HZ[1] &&
    !drone(low) && !drone(high);
  let doubled = 0;
  for (let i = 1; i + 1 < frames.length; i++) {
    const [before, here, after] = [frames[i - 1], frames[i], frames[i + 1]];
    if (!active[i] || !twoSources(before) || !twoSources(here) || !twoSources(after) || !distinct(here.pair)) continue;
    if (same(before, here) && same(here, after)) doubled++;
  }
  return doubled;
}

/**
 * Stretches of voiced frames (a syllable or a few), each with its median pitch in semitones and its length: a
 * stray octave error inside a stretch does not move its median.
 */
function voicedRuns(pitch: Float64Array): { semitones: number; frames: number }[] {
  const runs: { semitones: number; frames: number }[] = [];
  let start = 0;
  while (start < pitch.length) {
    if (!((pitch[start] ?? 0) > 0)) { start++; continue; }
    let end = start;
    while (end < pitch.length && (pitch[end] ?? 0) > 0) end++;
    runs.push({ semitones: quantile(Array.from(pitch.subarray(start, end), semitones), 0.5), frames: end - start });
    start = end;
  }
  return runs;
}

/**
 * Splits the voiced stretches in two by their pitch where the groups are best separated (Otsu's criterion,
 * weighted by length): one voice gives one group, a few semitones wide; two voices give two, apart. Returns the
 * gap and the smaller group's share of the voiced frames when the split explains most of the spread and each
 * group has a quarter of a second, else zeros.
 */
function pitchGroups(runs: { semitones: number; frames: number }[]): { gap: number; minority: number } {
  const sorted = [...runs].sort((a, b) => a.semitones - b.semitones);
  const total = sorted.reduce((s, r) => s + r.frames, 0);
  const sum = sorted.reduce((s, r) => s + r.semitones * r.frames, 0);
  const variance = sorted.reduce((s, r) => s + r.frames * r.semitones ** 2, 0) / total - (sum / total) ** 2;
  let best = { explained: 0, gap: 0, minority: 0 };
  let lowFrames = 0;
  let lowSum = 0;
  for (const run of sorted.slice(0, -1)) {
    lowFrames += run.frames;
    lowSum += run.semitones * run.frames;
    if (lowFrames < MIN_GROUP_FRAMES || total - lowFrames < MIN_GROUP_FRAMES) continue;
    const gap = (sum - lowSum) / (total - lowFrames) - lowSum / lowFrames;
    const share = lowFrames / total;
    const explained = variance > 0 ? (share * (1 - share) * gap * gap) / variance : 0;
    if (explained > best.explained) best = { explained, gap, minority: Math.min(share, 1 - share) };
  }
  return best.explained >= 0.75 ? { gap: best.gap, minority: best.minority } : { gap: 0, minority: 0 };
}
