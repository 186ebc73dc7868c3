import type { ForecastCalibration } from './types.js';

/** Processes ahead over which a mode's forecastability is judged, and the AUC that makes it forecastable. */
export const AHEAD_PROCESSES = 10;
export const MIN_AHEAD_AUC = 0.6;

/**
 * A class probability corrected by its odds divisor: the model was trained with up-weighted failures
 * (pos_weight), which multiplies the odds it outputs; dividing them back gives a probability per process.
 */
export function calibrate(p: number, oddsDivisor: number): number {
  return p / (p + oddsDivisor * (1 - p));
}

/** Labelled, time-ordered data scored by the model: what a calibration is fitted on. */
export interface CalibrationData {
  classes: readonly string[];
  /** Row-major [n, classes.length] model probabilities. */
  probabilities: Float32Array;
  /**
   * Row-major [n, classes.length]: each row's probability with its torque and speed drawn afresh from the
   * data, as the forecast draws a future process's (the mean over several draws). What forecastability is
   * judged on: a sharp model gives an overstrain probability near 0 until the very process that fails, yet
   * the wear that makes the next processes risky is there before it. Defaults to `probabilities`.
   */
  aheadProbabilities?: Float32Array;
  /** Per class, 0/1 outcome of each row, in the data's time order. */
  labels: Readonly<Record<string, Uint8Array>>;
  n: number;
  /** The classes that are failure modes (not an any-failure head). */
  modes: readonly string[];
}

/**
 * Fits each class's odds divisor by maximum likelihood (one parameter: the shift of the logit), and judges
 * each mode forecastable when its probability now, with torque and speed drawn afresh (aheadProbabilities),
 * ranks the processes that fail by that mode within the next AHEAD_PROCESSES above the ones that do not
 * (AUC >= MIN_AHEAD_AUC): a mode driven by slowly changing state (wear, temperature) is; one drawn afresh
 * each process (a power spike, a random failure) is not.
 */
export function fitCalibration(
  data: CalibrationData,
  about: Pick<ForecastCalibration, 'modelSha256' | 'fittedOn'>,
): ForecastCalibration {
  const c = data.classes.length;
  const classes: ForecastCalibration['classes'] = {};
  const modes: ForecastCalibration['modes'] = {};
  for (let k = 0; k < c; k++) {
    const name = data.classes[k] as string;
    const y = data.labels[name];
    if (!y || y.length !== data.n) throw new RangeError(`calibration data has no labels for class ${name}`);
    const p = new Float64Array(data.n);
    const ahead = new Float64Array(data.n);
    const aheadSource = data.aheadProbabilities ?? data.probabilities;
    let sumP = 0;
    let sumY = 0;
    for (let i = 0; i < data.n; i++) {
      p[i] = data.probabilities[i * c + k] as number;
      ahead[i] = aheadSource[i * c + k] as number;
      sumP += p[i] as number;
      sumY += y[i] as number;
    }
    classes[name] = {
      oddsDivisor: Math.exp(-fitLogitShift(p, y)),
      observedRate: sumY / data.n,
      meanModelProbability: sumP / data.n,
    };
    if (data.modes.includes(name)) {
      const aheadAuc = aucAhead(ahead, y, AHEAD_PROCESSES);
      modes[name] = { aheadAuc, forecastable: aheadAuc >= MIN_AHEAD_AUC };
    }
  }
  return {
    ...about,
    classes,
    modes,
    aheadProcesses: AHEAD_PROCESSES,
    minAheadAuc: MIN_AHEAD_AUC,
  };
}

/** The b maximising sum log Bernoulli(y | sigmoid(logit(p) + b)), by Newton's method (the loss is convex in b). */
export function fitLogitShift(p: Float64Array, y: Uint8Array): number {
  const logits = new Float64Array(p.length);
  let positives = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(1 - 1e-7, Math.max(1e-7, p[i] as number));
    logits[i] = Math.log(q / (1 - q));
    positives += y[i] as number;
  }
  // No failures at all: the likelihood keeps rising as b falls; stop where one failure in 10x the rows would be.
  if (positives === 0) return Math.log(1 / (10 * p.length)) - mean(logits);
  let b = 0;
  for (let iter = 0; iter < 100; iter++) {
    let grad = 0;
    let hess = 0;
    for (let i = 0; i < p.length; i++) {
      const q = 1 / (1 + Math.exp(-((logits[i] as number) + b)));
      grad += q - (y[i] as number);
      hess += q * (1 - q);
    }
    if (hess <= 1e-12) break;
    const step = grad / hess;
    b -= Math.max(-5, Math.min(5, step));
    if (Math.abs(step) < 1e-10) break;
  }
  return b;
}

/** AUC of p[i] for "y is 1 somewhere in rows i+1 .. i+ahead" (ties count half). */
export function aucAhead(p: Float64Array, y: Uint8Array, ahead: number): number {
  const n = p.length - ahead;
  if (n <= 0) return Number.NaN;
  const outcome = new Uint8Array(n);
  let inWindow = 0;
  for (let j = 1; j <= ahead; j++) inWindow += y[j] as number;
  for (let i = 0; i < n; i++) {
    outcome[i] = inWindow > 0 ? 1 : 0;
    inWindow += (y[i + ahead + 1] ?? 0) - (y[i + 1] as number);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (p[a] as number) - (p[b] as number));
  let rankSum = 0;
  let positives = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && p[order[j + 1] as number] === p[order[i] as number]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (outcome[order[k] as number] === 1) {
        rankSum += rank;
        positives++;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
