// The pitch through each stretch of voiced frames, chosen among every frame's autocorrelation peaks so that it
// is strong and seldom jumps (Boersma's path finder in Praat, 1993): one frame's stray octave error, where the
// peak at half or twice the period happens to be a little higher, does not become a second voice.

import type { Frame } from './frames.js';

/** What an octave jump between neighbouring frames costs, in autocorrelation units (Praat's default). */
const OCTAVE_JUMP_COST = 0.35;

/** The tracked pitch of every frame, Hz (0 where not voiced). */
export function trackPitch(frames: readonly Frame[], voiced: readonly boolean[]): Float64Array {
  const pitch = new Float64Array(frames.length);
  let start = 0;
  while (start < frames.length) {
    if (!voiced[start]) { start++; continue; }
    let end = start;
    while (end < frames.length && voiced[end]) end++;
    const path = bestPath(frames.slice(start, end));
    path.forEach((hz, i) => { pitch[start + i] = hz; });
    start = end;
  }
  return pitch;
}

/** Viterbi over one voiced run: maximizes the summed peak strengths minus the jump costs. */
function bestPath(run: readonly Frame[]): number[] {
  const scores: number[][] = [];
  const from: number[][] = [];
  run.forEach((frame, t) => {
    const previous = run[t - 1];
    const prevScores = scores[t - 1];
    const row: number[] = [];
    const back: number[] = [];
    for (const [hz, strength] of frame.peaks) {
      let best = 0;
      let bestFrom = -1;
      if (previous && prevScores) {
        best = -Infinity;
        previous.peaks.forEach(([prevHz], p) => {
          const score = (prevScores[p] ?? -Infinity) - OCTAVE_JUMP_COST * Math.abs(Math.log2(hz / prevHz));
          if (score > best) { best = score; bestFrom = p; }
        });
      }
      row.push(strength + best);
      back.push(bestFrom);
    }
    scores.push(row);
    from.push(back);
  });
  const path = new Array<number>(run.length).fill(0);
  const last = scores[run.length - 1] ?? [];
  let c = last.indexOf(Math.max(...last));
  for (let t = run.length - 1; t >= 0 && c >= 0; t--) {
    path[t] = run[t]?.peaks[c]?.[0] ?? 0;
    c = from[t]?.[c] ?? -1;
  }
  return path;
}
