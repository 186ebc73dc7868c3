import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PfmError } from '../../kernel/errors.js';
import { DEFAULT_POLICY, DRIFT_CALIBRATION_FILE, MIN_STUCK_RUN, SCOPES, STUCK_ALPHA } from './constants.js';
import { DEFAULT_ARTIFACTS_DIR } from './reference.js';
import { rawFeatureStats, scopeFeatureIndices } from './scores.js';
import {
  type DriftCalibration,
  type DriftReference,
  type FeatureAccumulator,
  type FeatureCalibration,
  type FeatureReference,
  SENSORS,
  type Sensor,
  type SensorRunCalibration,
  type WindowState,
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
 * Measures the null spread of every score on windows of a stream that is known to be fine (a stationary
 * simulator run, a time-ordered history, or a quiet period of live data), scope by scope and feature by
 * feature. `sequences` are runs of consecutive windows: the spreads pool every window, the lag-1
 * autocorrelation pairs neighbours within a sequence only (so the same history replayed from several phase
 * offsets gives several sequences, never a false neighbour):
 *  - mean: E[d² · n_eff], the design effect of the standardized shift (1 for iid readings);
 *  - variance: E[(ln r)² · n_eff / 2] (1 for iid normal readings);
 *  - PSI: n_eff · PSI matched to scale · chi-square(dof) by its mean and variance (Satterthwaite);
 *  - long-run: (1 + rho) / (1 - rho) of the window z-scores, rho their lag-1 autocorrelation.
 * Spreads are measured around the reference, not around the replay's own mean, so a replay that sits off
 * the reference widens the thresholds rather than moving them: the reference stays the reference.
 */
export function calibrate(
  sequences: readonly (readonly WindowState[])[],
  reference: DriftReference,
  meta: {
    source: string;
    windowRecords: number;
    minScopeRecords?: number;
    minScopeDevices?: number;
    /** Run statistics of the sensors (a RunCounter's); without them no sensor is checked for being stuck. */
    sensorRuns?: readonly RunTally[];
  },
): DriftCalibration {
  const windows = sequences.flat();
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
      // Per sequence, the scored windows in order (a window the scope could not be scored in breaks no pair:
      // it is skipped, as the monitor skips it).
      const perSequence = sequences.map((seq) =>
        seq.flatMap((w) => {
          const acc = w.scopes[scope];
          if (!acc || acc.records < minRecords || acc.devices.length < minDevices) return [];
          const raw = rawFeatureStats(acc.features[j] as FeatureAccumulator, ref);
          return raw ? [raw] : [];
        }),
      );
      const stats = perSequence.flat();
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
      const zMean = perSequence.map((seq) => seq.map((s) => s.meanShift * Math.sqrt(s.nEff / mean)));
      const zVar = perSequence.map((seq) =>
        seq.map((s) => s.logVarianceRatio / Math.sqrt((2 * variance) / s.nEff)),
      );
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
  const sensors: DriftCalibration['sensors'] = {};
  meta.sensorRuns?.forEach((tally, s) => {
    const calibration = sensorRunCalibration(tally, meta.windowRecords);
    if (calibration) sensors[SENSORS[s] as Sensor] = calibration;
  });
  return {
    version: 2,
    windowRecords: meta.windowRecords,
    windows: windows.length,
    source: meta.source,
    referenceStatisticsSha256: reference.statisticsSha256,
    scopes,
    sensors,
  };
}

/** Run lengths of identical consecutive values of one sensor, over per-device sequences. */
export interface RunTally {
  /** Readings seen, and consecutive pairs of one device where the value repeated. */
  readings: number;
  transitions: number;
  repeats: number;
  /** runs[L]: maximal runs of exactly L identical readings (index 0 unused). */
  runs: number[];
}

/** A running tally of run lengths over interleaved readings of many devices. */
export interface RunCounter {
  /** Adds one reading of a device (raw sensor values in SENSORS order); each device's readings in its time order. */
  add(deviceId: string, values: ArrayLike<number>): void;
  /** The tallies, counting the runs still going as ended now (the counter must not be used afterwards). */
  finish(): RunTally[];
}

/** A RunCounter with nothing counted. */
export function createRunCounter(): RunCounter {
  const tallies: RunTally[] = SENSORS.map(() => ({ readings: 0, transitions: 0, repeats: 0, runs: [0] }));
  const devices = new Map<string, { last: Float64Array; run: Int32Array }>();
  const end = (t: RunTally, run: number) => {
    t.runs[run] = (t.runs[run] ?? 0) + 1;
  };
  return {
    add(deviceId, values) {
      let d = devices.get(deviceId);
      if (d === undefined) {
        d = { last: new Float64Array(SENSORS.length), run: new Int32Array(SENSORS.length) };
        devices.set(deviceId, d);
      }
      for (let s = 0; s < SENSORS.length; s++) {
        const t = tallies[s] as RunTally;
        const v = values[s] as number;
        t.readings++;
        const run = d.run[s] as number;
        if (run > 0) {
          t.transitions++;
          if (v === d.last[s]) {
            t.repeats++;
            d.run[s] = run + 1;
            continue;
          }
          end(t, run);
        }
        d.run[s] = 1;
        d.last[s] = v;
      }
    },
    finish() {
      for (const d of devices.values()) {
        d.run.forEach((run, s) => {
          if (run > 0) end(tallies[s] as RunTally, run);
        });
      }
      devices.clear();
      return tallies;
    },
  };
}

/** Runs needed to fit the tail of the run lengths. */
const MIN_TAIL_RUNS = 30;
/** One-sided 95 % normal quantile, for the upper bound of the continuation probability. */
const Z95 = 1.645;

/**
 * The stuck-sensor threshold of one sensor: the run of identical readings that a healthy sensor reaches less
 * often than STUCK_ALPHA / (windowRecords x sensors) per reading, so all sensors of a window's readings
 * together flag falsely at most STUCK_ALPHA times per window. The rate of runs reaching length L is measured
 * up to the longest length with at least MIN_TAIL_RUNS runs (m) and extrapolated beyond it geometrically,
 * with the upper 95 % (Wilson) bound of the probability that a run of m or more continues. Never below
 * MIN_STUCK_RUN, nor at or below the longest run the healthy data showed. Undefined without readings.
 */
export function sensorRunCalibration(
  tally: RunTally,
  windowRecords: number,
): SensorRunCalibration | undefined {
  if (tally.transitions === 0) return undefined;
  const longestRun = tally.runs.length - 1;
  // reaching[L]: runs of length >= L.
  const reaching: number[] = new Array(longestRun + 2).fill(0);
  for (let L = longestRun; L >= 1; L--) reaching[L] = (reaching[L + 1] as number) + (tally.runs[L] ?? 0);
  let m = 1;
  while (m < longestRun && (reaching[m + 1] as number) >= MIN_TAIL_RUNS) m++;
  // Runs of m or more: each continued (length - m) times and stopped once.
  let continued = 0;
  for (let L = m; L <= longestRun; L++) continued += (L - m) * (tally.runs[L] ?? 0);
  const trials = continued + (reaching[m] as number);
  const q = wilsonUpper(continued, trials);
  const budget = STUCK_ALPHA / (windowRecords * SENSORS.length);
  const rateAtM = (reaching[m] as number) / tally.readings;
  const beyond = rateAtM <= budget ? 0 : q <= 0 ? 1 : Math.ceil(Math.log(budget / rateAtM) / Math.log(q));
  return {
    transitions: tally.transitions,
    repeatRate: tally.repeats / tally.transitions,
    longestRun,
    tailContinuation: q,
    runThreshold: Math.max(MIN_STUCK_RUN, longestRun + 1, m + beyond),
  };
}

function wilsonUpper(successes: number, trials: number): number {
  if (trials === 0) return 1;
  const p = successes / trials;
  const z2 = Z95 * Z95;
  const centre = p + z2 / (2 * trials);
  const spread = Z95 * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return Math.min(1, (centre + spread) / (1 + z2 / trials));
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

/** (1 + rho) / (1 - rho) of the lag-1 autocorrelation of z, pairing neighbours within each sequence only. */
function longRunFactor(sequences: readonly (readonly number[])[]): number {
  const all = sequences.flat();
  const m = average(all);
  let num = 0;
  let den = 0;
  let pairs = 0;
  for (const z of sequences) {
    for (let i = 0; i < z.length; i++) {
      const d = (z[i] as number) - m;
      den += d * d;
      if (i > 0) {
        num += d * ((z[i - 1] as number) - m);
        pairs++;
      }
    }
  }
  // Scale the lag-1 sum to the number of terms it averages over, as den does over all values.
  const rhoRaw = pairs > 0 ? (num / pairs) * (all.length / den) : 0;
  // A constant series (a fleet's fixed quality mix) is as persistent as a series can be.
  const rho = den > 1e-12 * all.length ? Math.min(MAX_RHO, Math.max(0, rhoRaw)) : MAX_RHO;
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

const sensorRunCalibrationSchema = z.object({
  transitions: z.number().int().positive(),
  repeatRate: z.number().min(0).max(1),
  longestRun: z.number().int().positive(),
  tailContinuation: z.number().min(0).max(1),
  runThreshold: z.number().int().min(MIN_STUCK_RUN),
});

const calibrationSchema = z.object({
  version: z.literal(2, {
    error: 'unsupported version (expected 2; files of version 1 predate real-data calibration: recalibrate)',
  }),
  windowRecords: z.number().int().positive(),
  windows: z.number().int().positive(),
  source: z.string(),
  referenceStatisticsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  scopes: z.partialRecord(
    z.enum(SCOPES as [string, ...string[]]),
    z.record(z.string(), featureCalibrationSchema),
  ),
  sensors: z.partialRecord(z.enum(SENSORS), sensorRunCalibrationSchema),
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

/** Reads and parses a calibration file; the error names the file. */
export function loadCalibration(path: string): DriftCalibration {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PfmError(
      'CONFIG_INVALID',
      `cannot read the drift calibration ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  try {
    return parseCalibration(text);
  } catch (error) {
    if (error instanceof PfmError)
      throw new PfmError(error.code, `${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The calibration shipped in a model artifacts folder (DRIFT_CALIBRATION_FILE), or undefined when it has none. */
export function shippedCalibrationPath(artifactsDir: string = DEFAULT_ARTIFACTS_DIR): string | undefined {
  const path = join(artifactsDir, DRIFT_CALIBRATION_FILE);
  return existsSync(path) ? path : undefined;
}
