import { describe, expect, it } from 'vitest';
import { normalAt, streamKey } from '../../../processors/forecast/random.js';
import { estimateWalk } from '../../../processors/forecast/walk.js';

const HOUR = 3_600_000;

/** A random walk (sd `sdPerHour` K per hour) read every `paceMs` with Gaussian noise, rounded to 0.1 K. */
function walk(
  n: number,
  paceMs: number,
  sdPerHour: number,
  driftPerHour: number,
  noise: number,
  seed: number,
) {
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  const stepSd = sdPerHour * Math.sqrt(paceMs / HOUR);
  let level = 300;
  const key = streamKey(seed, 1);
  const noiseKey = streamKey(seed, 2);
  for (let i = 0; i < n; i++) {
    times[i] = i * paceMs;
    values[i] = Math.round((level + noise * normalAt(noiseKey, i)) * 10) / 10;
    level += stepSd * normalAt(key, i) + driftPerHour * (paceMs / HOUR);
  }
  return { times, values, level };
}

describe('estimateWalk', () => {
  it('recovers the walk rate of a temperature read through noise and rounding', () => {
    const rates: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const w = walk(480, 180_000, 0.2, 0, 0.05, seed);
      rates.push(estimateWalk(w.times, w.values, 180_000).sdPerHour);
    }
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    expect(mean).toBeGreaterThan(0.16);
    expect(mean).toBeLessThan(0.24);
  });

  it('filters the level towards the walk, not the last noisy reading', () => {
    let errFiltered = 0;
    let errLast = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const w = walk(480, 180_000, 0.05, 0, 0.3, seed);
      const e = estimateWalk(w.times, w.values, 180_000);
      expect(e.noiseSd).toBeGreaterThan(0.15);
      errFiltered += Math.abs(e.level - w.level);
      errLast += Math.abs((w.values[479] as number) - w.level);
    }
    expect(errFiltered).toBeLessThan(errLast);
  });

  it('keeps a clear trend and shrinks an aimless wander to no drift', () => {
    const trend = walk(480, 180_000, 0.05, 0.5, 0, 3);
    expect(estimateWalk(trend.times, trend.values, 180_000).driftPerHour).toBeGreaterThan(0.4);
    const flat = new Float64Array(100).fill(310);
    const times = Float64Array.from({ length: 100 }, (_, i) => i * 60_000);
    expect(estimateWalk(times, flat, 60_000)).toEqual({
      level: 310,
      sdPerHour: 0,
      driftPerHour: 0,
      noiseSd: 0,
    });
  });

  it('needs four readings', () => {
    expect(() => estimateWalk(new Float64Array(3), new Float64Array(3), 1000)).toThrow(/at least 4/);
  });
});
