// The on-device ambient check: a few seconds of the microphone, heard before joining a group, to warn the member
// when someone else can be heard (a voice, two voices, a TV or radio). Pure: samples in, a finding out. Nothing
// here, or anywhere in this folder, sends audio or results anywhere.

import { ANALYSIS_RATE, highPass, quantile, resample, toDb } from './dsp.js';
import { FRAME, FrameAnalyser, HOP, type Frame } from './frames.js';
import { describe, type Features } from './features.js';

export type AmbientFinding = 'quiet' | 'noise' | 'voice' | 'voices' | 'media';

export interface AmbientResult {
  finding: AmbientFinding;
  /** 0..1 share of frames with speech-like sound */
  speech: number;
  /** median level dBFS */
  level: number;
  seconds: number;
}

// The thresholds, with what was measured on the generated signals (testSignals.ts) and espeak-ng speech.
/** A median level at or above this (dBFS) with nothing voiced is a noise worth reporting (a fan, traffic). */
const NOISE_LEVEL_DB = -50;
/** Voiced frames, share of all: 160 ms in 4 s is a word. Noise and hiss: 0; a voice: 0.3-0.7. */
const MIN_VOICED = 0.04;
/** Spectral flatness of a tonal sound (voices and music about 0.01; noise 0.3, hiss 0.5). */
const MAX_TONAL_FLATNESS = 0.2;
/** Onset periodicity: music 0.49-0.96, TV speech over music 0.3-0.85; voices up to 0.36, noise below 0.2. */
const MIN_BEAT = 0.42;
/**
 * Speech over a music bed: some beat, hardly a pause (the bed fills them: 0-0.08 of the time when it is 6 dB under
 * the speech; a voice alone pauses 0.24-0.44, two voices at once 0.08-0.29), and some held notes.
 */
const BED_BEAT = 0.3;
const BED_PAUSES = 0.05;
const BED_HELD = 0.1;
/** Held tones: music 0.44-0.99 of the time with 2-4 pitches; a voice below 0.25. */
const MIN_HELD = 0.35;
const MIN_HELD_FOR_BEAT = 0.2;
/** Pauses (20 dB dips): music none, a voice a quarter to nearly a half of the time. */
const MAX_MEDIA_PAUSES = 0.1;
/** Syllabic modulation, dB: a voice 4-8 (1.4-2 in loud noise), music about 2, steady noise or a hum below 0.5. */
const MIN_SYLLABIC_DB = 1;
/**
 * Two pitch groups (of voiced stretches): a man and a woman 9-15 semitones apart, the smaller group 0.23-0.5 of
 * the voiced frames. One voice: under 6 semitones, or whole syllables an octave off, to 0.12 of the frames.
 */
const MIN_PITCH_GAP = 7.5;
const MIN_MINORITY = 0.15;
/**
 * Frames two periods 5+ semitones apart explain, share of voiced: a man and a woman at once 0.1-0.4; two men 7
 * semitones apart 0.05-0.3 (so only some are told from one); one voice in a very echoing room up to 0.2.
 */
const MIN_DOUBLED = 0.2;

/**
 * Classifies a few seconds (up to about 6) of mono samples in [-1, 1] at any rate from 8 kHz up.
 * The member stays quiet meanwhile, so any voice heard is someone else's.
 */
export function analyseAmbient(samples: Float32Array, sampleRate: number): AmbientResult {
  const { frames, level, seconds } = measure(samples, sampleRate);
  const features = describe(frames);
  return { finding: decide(features, level), speech: round(features.voiced), level: round(level), seconds: round(seconds) };
}

/** The frames and the median level of a recording (exported for tests and tuning). */
export function measure(samples: Float32Array, sampleRate: number): { frames: Frame[]; level: number; seconds: number } {
  if (!Number.isFinite(sampleRate) || sampleRate < ANALYSIS_RATE) {
    throw new RangeError(`ambient: sample rate ${sampleRate} Hz is below ${ANALYSIS_RATE} Hz`);
  }
  const clean = samples.map((v) => (Number.isFinite(v) ? v : 0));
  const x = resample(clean, sampleRate, ANALYSIS_RATE);
  highPass(x, 70, ANALYSIS_RATE);
  const analyser = new FrameAnalyser();
  const frames: Frame[] = [];
  for (let start = 0; start === 0 || start + FRAME <= x.length; start += HOP) frames.push(analyser.analyse(x, start));
  return { frames, level: medianLevel(clean, sampleRate), seconds: samples.length / sampleRate };
}

/** The median of 16 ms block levels, full band, at the original rate (dBFS re a full-scale square wave). */
function medianLevel(x: Float32Array, rate: number): number {
  const block = Math.max(1, Math.round((HOP / ANALYSIS_RATE) * rate));
  const levels: number[] = [];
  for (let start = 0; start < x.length; start += block) {
    const end = Math.min(x.length, start + block);
    let sum = 0;
    for (let i = start; i < end; i++) sum += (x[i] ?? 0) ** 2;
    levels.push(toDb(sum / (end - start)));
  }
  return levels.length > 0 ? quantile(levels, 0.5) : toDb(0);
}

/**
 * From the features to a finding. Media first: music keeps a steady beat, or holds changing notes without pausing;
 * TV speech over music has a voice, some beat, and a bed of held notes that fills its pauses. Then: nothing voiced, or voiced but steady (a hum, a
 * kettle), is quiet or noise by its level. A voice rises and falls with its syllables; two voices show two pitch
 * groups apart, or frames only two periods explain.
 */
export function decide(f: Features, level: number): AmbientFinding {
  const tonal = f.flatness < MAX_TONAL_FLATNESS && (f.voiced >= MIN_VOICED || f.held >= MIN_HELD_FOR_BEAT);
  if (tonal && f.beat >= MIN_BEAT) return 'media';
  if (tonal && f.beat >= BED_BEAT && f.pauses < BED_PAUSES && f.held >= BED_HELD) return 'media';
  if (f.held >= MIN_HELD && f.heldPitches >= 2 && f.pauses < MAX_MEDIA_PAUSES) return 'media';
  if (f.voiced < MIN_VOICED || f.syllabic < MIN_SYLLABIC_DB) return level >= NOISE_LEVEL_DB ? 'noise' : 'quiet';
  if ((f.pitchGap >= MIN_PITCH_GAP && f.pitchMinority >= MIN_MINORITY) || f.doubled >= MIN_DOUBLED) return 'voices';
  return 'voice';
}

const round = (v: number): number => Math.round(v * 1000) / 1000;
