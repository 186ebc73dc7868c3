import { QUALITY_SCOPE_EXCLUDED_FEATURES } from './constants.js';
import { chiSquareCdf, chiSquareSf, normalTwoSidedP } from './statistics.js';
import type {
  DriftCalibration,
  DriftReference,
  FeatureAccumulator,
  FeatureCalibration,
  FeatureReference,
  FeatureScore,
  ScopeAccumulator,
  ScopeKey,
} from './types.js';
import { momentsOf } from './window.js';

/** A variance ratio of exactly zero (a stuck sensor) still needs a finite log. */
const MIN_VARIANCE_RATIO = 1e-12;

/** iid theory: what a scope/feature without a calibration entry uses. */
export function iidCalibration(ref: FeatureReference): FeatureCalibration {
  return {
    mean: 1,
    variance: 1,
    psiScale: 1,
    psiDof: Math.max(ref.groupProportions.length - 1, 0),
    meanLongRun: 1,
    varianceLongRun: 1,
  };
}

/** The calibration entry of a scope/feature, falling back to iid theory. */
export function calibrationFor(
  calibration: DriftCalibration | undefined,
  scope: ScopeKey,
  ref: FeatureReference,
): FeatureCalibration {
  return calibration?.scopes[scope]?.[ref.name] ?? iidCalibration(ref);
}

/**
 * Whether a feature's variance is tested. Not for a feature the reference bins see as two values (an indicator
 * such as delta_below_hdf_limit, or a point mass and the rest): its spread follows from its mean (p(1 - p)), so
 * the mean test and PSI already say all there is, and a window without a single positive has variance 0,
 * which the variance test would call drift whatever the calibration.
 */
export function varianceTested(ref: FeatureReference): boolean {
  return ref.groupProportions.length > 2;
}

/** Indices of the reference features a scope is tested on. */
export function scopeFeatureIndices(reference: DriftReference, scope: ScopeKey): number[] {
  const excluded = scope === 'fleet' ? [] : QUALITY_SCOPE_EXCLUDED_FEATURES;
  return reference.features.flatMap((f, j) => (excluded.includes(f.name) ? [] : [j]));
}

/**
 * Effective sample size of a comparison between a window of n and the reference sample of nRef: the
 * reference statistics are themselves estimates, so a window can never be more certain than 1/nRef allows.
 */
export function effectiveN(n: number, nRef: number): number {
  return 1 / (1 / n + 1 / nRef);
}

/** The raw ingredients of a feature's scores, shared by scoring and calibration. */
export interface RawFeatureStats {
  n: number;
  nEff: number;
  mean: number;
  meanShift: number;
  varianceRatio: number;
  logVarianceRatio: number;
  psi: number;
}

/** Mean shift, variance ratio and PSI of one feature's accumulator against its reference; undefined if n < 2. */
export function rawFeatureStats(acc: FeatureAccumulator, ref: FeatureReference): RawFeatureStats | undefined {
  if (acc.n < 2) return undefined;
  const { mean, variance } = momentsOf(acc, ref.mean);
  const varianceRatio = variance / (ref.std * ref.std);
  const groups = new Array(ref.groupProportions.length).fill(0);
  for (let b = 0; b < acc.bins.length; b++) {
    const g = ref.binGroup[b] as number;
    groups[g] += acc.bins[b] as number;
  }
  let psi = 0;
  for (let g = 0; g < groups.length; g++) {
    const expected = ref.groupProportions[g] as number;
    // An empty group would make the log infinite; half a count is the usual continuity correction.
    const observed = Math.max(groups[g] as number, 0.5) / acc.n;
    psi += (observed - expected) * Math.log(observed / expected);
  }
  return {
    n: acc.n,
    nEff: effectiveN(acc.n, ref.n),
    mean,
    meanShift: (mean - ref.mean) / ref.std,
    varianceRatio,
    logVarianceRatio: Math.log(Math.max(varianceRatio, MIN_VARIANCE_RATIO)),
    psi,
  };
}

/**
 * Scores every tested feature of one scope's window: standardized mean shift (normal test), variance ratio
 * (normal test on its log), PSI on the reference bins (n_eff·PSI against a scaled chi-square), each with the
 * null spread from the calibration. The CUSUM and the breach flags are set by the decision step.
 */
export function scoreScope(
  scope: ScopeKey,
  acc: ScopeAccumulator,
  reference: DriftReference,
  calibration: DriftCalibration | undefined,
  sequential: { k: number; referenceToleranceZ: number },
): FeatureScore[] {
  const scores: FeatureScore[] = [];
  for (const j of scopeFeatureIndices(reference, scope)) {
    const ref = reference.features[j] as FeatureReference;
    const a = acc.features[j] as FeatureAccumulator;
    const raw = rawFeatureStats(a, ref);
    if (!raw) continue;
    const cal = calibrationFor(calibration, scope, ref);
    const zMean = raw.meanShift * Math.sqrt(raw.nEff / cal.mean);
    const pMean = normalTwoSidedP(zMean);
    const testVariance = varianceTested(ref);
    const zVariance = testVariance ? raw.logVarianceRatio / Math.sqrt((2 * cal.variance) / raw.nEff) : 0;
    // The sample variance is a scaled chi-square (normal theory), with the degrees of freedom the
    // calibrated spread of ln r implies: nu = 2 / Var(ln r) = n_eff / c. Its left tail is what a fleet of
    // clustered machines reaches now and then, and a normal on ln r would understate it.
    const nu = raw.nEff / cal.variance;
    const x = raw.varianceRatio * nu;
    const pVariance = testVariance ? Math.min(1, 2 * Math.min(chiSquareCdf(x, nu), chiSquareSf(x, nu))) : 1;
    const pPsi = cal.psiDof > 0 ? chiSquareSf((raw.nEff * raw.psi) / cal.psiScale, cal.psiDof) : 1;
    const total = a.n + a.missing;
    scores.push({
      feature: ref.name,
      n: raw.n,
      mean: raw.mean,
      meanShift: raw.meanShift,
      zMean,
      pMean,
      varianceRatio: raw.varianceRatio,
      zVariance,
      pVariance,
      psi: raw.psi,
      pPsi,
      missingFraction: total > 0 ? a.missing / total : 0,
      outOfRangeFraction: a.n > 0 ? (a.below + a.above) / a.n : 0,
      sequential: sequentialInputs(
        raw,
        cal,
        ref.n,
        sequential.k,
        sequential.referenceToleranceZ,
        testVariance,
      ),
      cusum: 0,
      breached: [],
      minP: Math.min(pMean, pVariance, pPsi),
    });
  }
  return scores;
}

/**
 * What a window adds to the feature's CUSUMs. Inputs are standardized by the window's own sampling spread
 * times the long-run factor (autocorrelated windows must not look like a sustained shift); k grows by the
 * reference's standard error in the same units, so a fixed error of the reference is never accumulated:
 * k' = k + zRef * sqrt(n / (nRef * longRun)).
 */
export function sequentialInputs(
  raw: RawFeatureStats,
  cal: FeatureCalibration,
  nRef: number,
  k: number,
  referenceToleranceZ: number,
  testVariance = true,
): FeatureScore['sequential'] {
  const meanSd = Math.sqrt((cal.mean * cal.meanLongRun) / raw.n);
  const varianceSd = Math.sqrt((2 * cal.variance * cal.varianceLongRun) / raw.n);
  return {
    mean: raw.meanShift / meanSd,
    variance: testVariance ? raw.logVarianceRatio / varianceSd : 0,
    kMean: k + referenceToleranceZ * Math.sqrt(raw.n / (nRef * cal.meanLongRun)),
    kVariance: k + referenceToleranceZ * Math.sqrt(raw.n / (nRef * cal.varianceLongRun)),
  };
}
