import { readFileSync } from 'node:fs';
import type { DriftCore } from '../../processors/drift/core.js';
import { calibrationFor, effectiveN, varianceTested } from '../../processors/drift/scores.js';
import { chiSquareIsf, normalQuantile } from '../../processors/drift/statistics.js';
import type { DriftCalibration, FeatureCalibration, ScopeKey } from '../../processors/drift/types.js';

// A drift statistic means little without the value at which the monitor would call it a breach: "PSI 0.80,
// OK" reads as a bug until one sees that the limit for that window is 1.3. The monitor decides on p-values
// (scores.ts) against one per-test significance (decision.ts, thresholdsFor); inverting those tests at a
// window's size gives each statistic's limit in its own units. test/app/pipeline/driftLimits.test.ts holds
// these inversions to the monitor's own breach decisions, so the two cannot drift apart unnoticed.

/** What the limits of one scope's features depend on, as a run saves it (drift-limits.json). */
export interface DriftLimitsSource {
  version: 1;
  /** Per-window significance of each test after the multiple-testing correction. */
  alphaPerTest: number;
  /**
   * Per scope and feature: the calibrated null spreads, the reference sample size, and whether the monitor tests
   * the feature's variance (not an indicator's; absent in older runs' files, where it was always tested).
   */
  scopes: Partial<
    Record<
      ScopeKey,
      Record<string, { calibration: FeatureCalibration; referenceN: number; varianceTested?: boolean }>
    >
  >;
}

/** A feature's limits in a window of `n` readings: beyond them the window breaches that test. */
export interface FeatureLimits {
  /** |mean shift| in reference standard deviations. */
  meanShift: number;
  /** Variance ratio below [0] or above [1]; null when the variance is not tested (an indicator feature). */
  varianceRatio: [number, number] | null;
  /** PSI above this; null when the feature has a single reference group (PSI is then not tested). */
  psi: number | null;
  /** The CUSUM is reported as a fraction of its alarm threshold. */
  cusum: 1;
}

/** The limits source of a drift core: its reference, its calibration and its per-test significance. */
export function driftLimitsSource(
  core: Pick<DriftCore, 'reference' | 'thresholds'>,
  calibration: DriftCalibration | undefined,
  scopes: readonly ScopeKey[] = ['fleet'],
): DriftLimitsSource {
  return {
    version: 1,
    alphaPerTest: core.thresholds.alphaPerTest,
    scopes: Object.fromEntries(
      scopes.map((scope) => [
        scope,
        Object.fromEntries(
          core.reference.features.map((ref) => [
            ref.name,
            {
              calibration: calibrationFor(calibration, scope, ref),
              referenceN: ref.n,
              varianceTested: varianceTested(ref),
            },
          ]),
        ),
      ]),
    ),
  };
}

/** Reads a run's drift-limits.json; undefined when the run has none (no drift monitor, or an older run). */
export function readDriftLimits(path: string): DriftLimitsSource | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as DriftLimitsSource;
    return value.version === 1 && value.alphaPerTest > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The limits of `feature` in `scope` for a window of `n` readings, or undefined when unknown. */
export function featureLimits(
  source: DriftLimitsSource,
  scope: ScopeKey,
  feature: string,
  n: number,
): FeatureLimits | undefined {
  const entry = source.scopes[scope]?.[feature];
  if (!entry || !(n >= 2)) return undefined;
  const { calibration: cal, referenceN } = entry;
  const alpha = source.alphaPerTest;
  const nEff = effectiveN(n, referenceN);
  // pMean = P(|Z| >= |shift| sqrt(nEff / c)) < alpha
  const meanShift = normalQuantile(1 - alpha / 2) * Math.sqrt(cal.mean / nEff);
  // The sample variance ratio times nu is chi-square(nu), nu = nEff / c; two-sided at alpha.
  const nu = nEff / cal.variance;
  const varianceRatio: [number, number] | null =
    entry.varianceTested === false
      ? null
      : [chiSquareIsf(1 - alpha / 2, nu) / nu, chiSquareIsf(alpha / 2, nu) / nu];
  // nEff * PSI / scale is chi-square(dof).
  const psi = cal.psiDof > 0 ? (cal.psiScale * chiSquareIsf(alpha, cal.psiDof)) / nEff : null;
  return { meanShift, varianceRatio, psi, cusum: 1 };
}
