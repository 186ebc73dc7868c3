import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PfmError } from '../../kernel/errors.js';
import { DEFAULT_POLICY, SCOPES } from './constants.js';
import { rawFeatureStats, scopeFeatureIndices } from './scores.js';
import type {
  DriftCalibration,
  DriftReference,
  FeatureAccumulator,
  FeatureCalibration,
  FeatureReference,
  WindowState,
} from './types.js';

/** Calibration never claims less spread than iid theory for the mean and PSI (CLT / chi-square are exact-ish). */
const MIN_MEAN_FACTOR = 1;
const MIN_PSI_FACTOR = 1;
/** Normal theory overstates Var(ln s²) for light-tailed features (uniform: 0.4 of it); allow down to that. */
const MIN_VARIANCE_FACTOR = 0.4;
/** rho above this makes the CUSUM blind anyway; cap it so one odd replay cannot switch a feature off for good. */
const MAX_RHO = 0.99;
/** Fewer stationary windows than this cannot say anything about tails. */
export const MIN_CALIBRATION_WINDOWS = 50;

/**
 * Measures the null spread of every score on consecutive windows of a stream that is known to be fine
 * (a stationary simulator run, or a quiet period of live data), scope by scope and feature by feature:
 *  - mean: E[d² · n_eff], the design effect of the standardized shift (1 for iid readings);
 *  - variance: E[(ln r)² · n_eff / 2] (1 for iid normal readings);
 *  - PSI: n_eff · PSI matched to scale · chi-square(dof) by its mean and variance (Satterthwaite);
 *  - long-run: (1 + rho) / (1 - rho) of the window z-scores, rho their lag-1 autocorrelation.
 * Spreads are measured around the reference, not around the replay's own mean, so a replay that sits off
 * the reference widens the thresholds rather than moving them: the reference stays the reference.
 */
export function calibrate(
  windows: readonly WindowState[],
  reference: DriftReference,
  meta: { source: string; windowRecords: number; minScopeRecords?: number; minScopeDevices?: number },
): DriftCalibration {
  if (windows.length < MIN_CALIBRATION_WINDOWS) {
    throw new PfmError(
      'CONFIG_INVALID',
      `calibration needs at least ${MIN_CALIBRATION_WINDOWS} windows, got ${windows.length}`,
    );
  }
  const minRecords = meta.minScopeRecords ?? DEFAULT_POLICY.minScopeRecords;
  const minDevices = meta.minScopeDevices ?? DEFAULT_POLICY.minScopeDevices;
  const scopes: DriftCalibration['scopes'] = {};
  for (const scope of SCOPES) {
    const entries: Record<string, FeatureCalibration> = {};
    for (const j of scopeFeatureIndices(reference, scope)) {
      const ref = reference.features[j] as FeatureReference;
      const stats = windows.flatMap((w) => {
        const acc = w.scopes[scope];
        if (!acc || acc.records < minRecords || acc.devices.length < minDevices) return [];
        const raw = rawFeatureStats(acc.features[j] as FeatureAccumulator, ref);
        return raw ? [raw] : [];
      });
      if (stats.length < MIN_CALIBRATION_WINDOWS) continue;
      const mean = Math.max(MIN_MEAN_FACTOR, average(stats.map((s) => s.meanShift ** 2 * s.nEff)));
      const variance = Math.max(
        MIN_VARIANCE_FACTOR,
        average(stats.map((s) => (s.logVarianceRatio ** 2 * s.nEff) / 2)),
      );
      const iidDof = ref.groupProportions.length - 1;
      const { psiScale, psiDof } = satterthwaite(
        stats.map((s) => s.nEff * s.psi),
        iidDof,
      );
      const zMean = stats.map((s) => s.meanShift * Math.sqrt(s.nEff / mean));
      const zVar = stats.map((s) => s.logVarianceRatio / Math.sqrt((2 * variance) / s.nEff));
      entries[ref.name] = {
        mean,
        variance,
        psiScale,
        psiDof,
        meanLongRun: longRunFactor(zMean),
        varianceLongRun: longRunFactor(zVar),
      };
    }
    if (Object.keys(entries).length > 0) scopes[scope] = entries;
  }
  return {
    version: 1,
    windowRecords: meta.windowRecords,
    windows: windows.length,
    source: meta.source,
    referenceSha256: reference.referenceSha256,
    scopes,
  };
}

/** Scale and degrees of freedom of c · chi-square(nu) with the sample's mean and variance, never below iid. */
function satterthwaite(values: readonly number[], iidDof: number): { psiScale: number; psiDof: number } {
  if (iidDof <= 0) return { psiScale: 1, psiDof: 0 };
  const m = average(values);
  const v = average(values.map((x) => (x - m) ** 2));
  if (!(m > iidDof * MIN_PSI_FACTOR) || !(v > 0)) return { psiScale: 1, psiDof: iidDof };
  const dof = Math.min(iidDof, Math.max(1, (2 * m * m) / v));
  return { psiScale: Math.max(MIN_PSI_FACTOR, m / dof), psiDof: dof };
}

function longRunFactor(z: readonly number[]): number {
  const m = average(z);
  let num = 0;
  let den = 0;
  for (let i = 0; i < z.length; i++) {
    const d = (z[i] as number) - m;
    den += d * d;
    if (i > 0) num += d * ((z[i - 1] as number) - m);
  }
  // A constant series (a fleet's fixed quality mix) is as persistent as a series can be.
  const rho = den > 1e-12 * z.length ? Math.min(MAX_RHO, Math.max(0, num / den)) : MAX_RHO;
  return (1 + rho) / (1 - rho);
}

function average(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

const featureCalibrationSchema = z.object({
  mean: z.number().positive(),
  variance: z.number().positive(),
  psiScale: z.number().positive(),
  psiDof: z.number().min(0),
  meanLongRun: z.number().min(1),
  varianceLongRun: z.number().min(1),
});

const calibrationSchema = z.object({
  version: z.literal(1),
  windowRecords: z.number().int().positive(),
  windows: z.number().int().positive(),
  source: z.string(),
  referenceSha256: z.string().regex(/^[0-9a-f]{64}$/),
  scopes: z.partialRecord(
    z.enum(SCOPES as [string, ...string[]]),
    z.record(z.string(), featureCalibrationSchema),
  ),
});

/** Parses a calibration file written by `pfm drift calibrate` (or calibrate() + JSON.stringify). */
export function parseCalibration(text: string): DriftCalibration {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PfmError('CONFIG_INVALID', `drift calibration is not JSON: ${(error as Error).message}`);
  }
  const parsed = calibrationSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new PfmError('CONFIG_INVALID', `drift calibration is malformed: ${problems}`);
  }
  return parsed.data as DriftCalibration;
}

/** Reads and parses a calibration file. */
export function loadCalibration(path: string): DriftCalibration {
  return parseCalibration(readFileSync(path, 'utf8'));
}
