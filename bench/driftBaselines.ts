// The baselines the drift evaluation compares the monitor with, calibrated on the same windows as the
// monitor: a per-window two-sample KS test and a per-window PSI test, per feature on the fleet window, each
// given the monitor's whole false-alarm budget per window (alpha, Bonferroni over the features).
import type { DriftCore } from '../processors/drift/core.js';
import { calibrationFor, rawFeatureStats } from '../processors/drift/scores.js';
import { chiSquareSf, kolmogorovSf, ksTwoSample } from '../processors/drift/statistics.js';
import type {
  DriftCalibration,
  DriftReference,
  FeatureAccumulator,
  WindowState,
} from '../processors/drift/types.js';
import { emptyWindow } from '../processors/drift/window.js';
import type { SensorReading } from '../schemas/reading.js';

/** One window as every detector needs it: the monitor's statistics and the fleet's values per feature, sorted. */
export interface WindowSample {
  state: WindowState;
  sorted: Float64Array[];
}

/** A per-window detector: true when the window alarms. */
export interface Baseline {
  name: string;
  alarm(sample: WindowSample): boolean;
  /** What its critical values came from, for the report. */
  describe: string;
}

/** Folds readings into a window with the core and keeps the engineered values for KS. */
export function sampleOf(
  core: DriftCore,
  engineer: (r: SensorReading) => ArrayLike<number>,
  readings: Iterable<SensorReading>,
): WindowSample {
  const state = emptyWindow();
  const columns: number[][] = core.reference.features.map(() => []);
  for (const reading of readings) {
    core.add(state, reading);
    const x = engineer(reading);
    for (let j = 0; j < columns.length; j++) (columns[j] as number[]).push(Math.fround(x[j] as number));
  }
  return { state, sorted: columns.map((c) => Float64Array.from(c).sort()) };
}

/** The reference sample KS compares with: engineered features of readings, sorted per feature. */
export function referenceSample(
  reference: DriftReference,
  engineer: (r: SensorReading) => ArrayLike<number>,
  readings: readonly SensorReading[],
): Float64Array[] {
  const columns = reference.features.map(() => new Float64Array(readings.length));
  readings.forEach((r, i) => {
    const x = engineer(r);
    for (let j = 0; j < columns.length; j++) (columns[j] as Float64Array)[i] = Math.fround(x[j] as number);
  });
  for (const c of columns) c.sort();
  return columns;
}

/** E[K²] of Kolmogorov's distribution (π²/12): what sqrt(n_e)·D squared averages to under iid sampling. */
const KOLMOGOROV_SECOND_MOMENT = Math.PI ** 2 / 12;

/** The lambda with P(K > lambda) = p, by bisection on Kolmogorov's survival function. */
export function kolmogorovIsf(p: number): number {
  let lo = 0.2;
  let hi = 10;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (kolmogorovSf(mid) > p) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Two-sample KS per feature with critical values calibrated on stationary windows: sqrt(n_e)·D is taken as
 * c·K (Kolmogorov's distribution scaled), c² = E[n_e·D²] / E[K²] measured on the windows (never below 1,
 * iid), the same second-moment matching the monitor uses for its mean test. A window alarms when any
 * feature's D exceeds c·K_(1-alpha/features) / sqrt(n_e).
 */
export function calibratedKs(
  windows: Iterable<WindowSample>,
  referenceSorted: readonly Float64Array[],
  alpha: number,
): Baseline & { scales: number[]; exceeds(sample: WindowSample, feature: number): boolean } {
  const features = referenceSorted.length;
  const m = (referenceSorted[0] as Float64Array).length;
  const ne = (n: number) => (n * m) / (n + m);
  // One pass (the windows may be generated on the fly): Σ n_e·D² per feature.
  const sums = new Float64Array(features);
  let count = 0;
  for (const w of windows) {
    count++;
    referenceSorted.forEach((ref, j) => {
      const values = w.sorted[j] as Float64Array;
      const { d } = ksTwoSample(values, ref);
      sums[j] = (sums[j] as number) + ne(values.length) * d * d;
    });
  }
  const scales = Array.from(sums, (sum) => Math.max(1, Math.sqrt(sum / count / KOLMOGOROV_SECOND_MOMENT)));
  const k = kolmogorovIsf(alpha / features);
  return {
    name: 'KS calibrated',
    describe: `KS per feature, critical D = c·${k.toFixed(3)}/sqrt(n_e), c from ${count} windows`,
    scales,
    exceeds(sample, j) {
      const values = sample.sorted[j] as Float64Array;
      const ref = referenceSorted[j] as Float64Array;
      return ksTwoSample(values, ref).d > ((scales[j] as number) * k) / Math.sqrt(ne(values.length));
    },
    alarm(sample) {
      return referenceSorted.some((_, j) => this.exceeds(sample, j));
    },
  };
}

/** KS per feature at its nominal (iid) p-value: what the benchmark compared with before calibration. */
export function nominalKs(referenceSorted: readonly Float64Array[], alpha: number): Baseline {
  const level = alpha / referenceSorted.length;
  return {
    name: 'KS uncalibrated',
    describe: `KS per feature at nominal p < ${level.toExponential(1)}`,
    alarm(sample) {
      return referenceSorted.some((ref, j) => ksTwoSample(sample.sorted[j] as Float64Array, ref).p < level);
    },
  };
}

/**
 * PSI per feature on the reference deciles, with the monitor's own calibration of it (n_eff·PSI as a scaled
 * chi-square fitted on the same windows): the monitor's PSI test alone, given the whole budget.
 */
export function calibratedPsi(
  reference: DriftReference,
  calibration: DriftCalibration,
  alpha: number,
): Baseline {
  const level = alpha / reference.features.length;
  return {
    name: 'PSI calibrated',
    describe: `PSI per feature, n_eff·PSI ~ scale·chi-square(dof) fitted on the calibration windows, p < ${level.toExponential(1)}`,
    alarm(sample) {
      const fleet = sample.state.scopes.fleet;
      if (!fleet) return false;
      return reference.features.some((ref, j) => {
        const raw = rawFeatureStats(fleet.features[j] as FeatureAccumulator, ref);
        if (!raw) return false;
        const cal = calibrationFor(calibration, 'fleet', ref);
        return cal.psiDof > 0 && chiSquareSf((raw.nEff * raw.psi) / cal.psiScale, cal.psiDof) < level;
      });
    },
  };
}
