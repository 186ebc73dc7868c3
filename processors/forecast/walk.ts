import type { WalkEstimate } from './types.js';

const HOUR_MS = 3_600_000;
/** The shorter of the two variogram lags (ms of operation); the longer one is twice this. */
const SHORT_LAG_MS = 30 * 60_000;

/**
 * Learns a temperature's slow wander from one machine's readings (time-sorted): a random walk seen through
 * measurement noise. The variogram at two lags separates them (gamma(L) = 2 noise^2 + walk rate x L), a
 * steady-state Kalman filter (local-level model) gives the current level, and the drift is the walk's own
 * maximum-likelihood estimate shrunk towards zero by its uncertainty, so a wander is not extrapolated as a
 * trend unless the history shows one. Needs at least 4 readings.
 */
export function estimateWalk(times: Float64Array, values: Float64Array, paceMs: number): WalkEstimate {
  const n = values.length;
  if (n < 4) throw new RangeError(`estimateWalk needs at least 4 readings, got ${n}`);
  const maxLag = Math.max(1, Math.floor((n - 1) / 3));
  const lag1 = Math.min(maxLag, Math.max(1, Math.round(SHORT_LAG_MS / paceMs)));
  const lag2 = Math.min(n - 1, 2 * lag1);
  const [g1, t1] = variogram(times, values, lag1);
  const [g2, t2] = variogram(times, values, lag2);
  // Walk variance per ms and twice the noise variance, from the line through the two variogram points.
  let rate = t2 > t1 ? (g2 - g1) / (t2 - t1) : 0;
  let intercept = g1 - rate * t1;
  if (rate < 0 || !Number.isFinite(rate)) {
    rate = 0;
    intercept = (g1 + g2) / 2;
  }
  if (intercept < 0) {
    // All of the variogram is walk: no noise left to filter.
    intercept = 0;
    rate = t2 > 0 ? g2 / t2 : 0;
  }
  const noiseVar = intercept / 2;

  // Steady-state gain of the local-level Kalman filter for signal-to-noise ratio q per reading.
  const q = noiseVar > 0 ? (rate * paceMs) / noiseVar : Number.POSITIVE_INFINITY;
  const gain = Number.isFinite(q) ? (-q + Math.sqrt(q * q + 4 * q)) / 2 : 1;
  let level = values[0] as number;
  for (let i = 1; i < n; i++) level += gain * ((values[i] as number) - level);

  const span = (times[n - 1] as number) - (times[0] as number);
  let drift = 0;
  if (span > 0) {
    const raw = ((values[n - 1] as number) - (values[0] as number)) / span;
    const variance = rate / span + (2 * noiseVar) / (span * span);
    drift = raw === 0 ? 0 : raw * Math.max(0, 1 - variance / (raw * raw));
  }
  return {
    level,
    sdPerHour: Math.sqrt(rate * HOUR_MS),
    driftPerHour: drift * HOUR_MS,
    noiseSd: Math.sqrt(noiseVar),
  };
}

/** Mean squared change over `lag` readings, and the mean time those pairs span. */
function variogram(times: Float64Array, values: Float64Array, lag: number): [number, number] {
  let sq = 0;
  let dt = 0;
  const pairs = values.length - lag;
  for (let i = 0; i < pairs; i++) {
    const d = (values[i + lag] as number) - (values[i] as number);
    sq += d * d;
    dt += (times[i + lag] as number) - (times[i] as number);
  }
  return [sq / pairs, dt / pairs];
}
