/**
 * Turns one machine's per-process hazards into probabilities over time. Within a path (one sampled slow
 * state: temperatures, tool lives) processes are independent given that state, so a step of k processes
 * survives with (1 - hazard)^k, the hazard being the mean over the path's draws at that step; the
 * probability of a failure by time t is the mean over paths of 1 - survival. Averaging draws within a
 * path, not across the whole run, keeps both a single process's rare draw (a power spike) and a
 * persistent state (a hot spell, a worn tool) at their own weight.
 */
export interface OutlookInput {
  /** [paths, steps, modes]: mean calibrated probability per process. */
  hazard: Float64Array;
  paths: number;
  steps: number;
  modes: number;
  /** Processes per step (step length / reading pace); may be fractional. */
  processesPerStep: number;
  /** Per mode: counts towards the forecastable ("due") probability. */
  forecastable: readonly boolean[];
}

export interface Outlook {
  /** [steps]: probability of a forecastable failure by the end of each step. */
  forecastable: Float64Array;
  /** [steps]: probability of a failure of any mode by the end of each step. */
  any: Float64Array;
  /** [steps, modes]: probability of a failure of each mode by the end of each step. */
  byMode: Float64Array;
}

/** Up to this many processes per step, a whole number of them is a product rather than exp/log. */
const MAX_MULTIPLIED_POWER = 8;

/** Cumulative failure probabilities per step: forecastable modes together, all modes, and each mode. */
export function computeOutlook(input: OutlookInput): Outlook {
  const { hazard, paths, steps, modes, processesPerStep: k, forecastable } = input;
  const due = new Float64Array(steps);
  const any = new Float64Array(steps);
  const byMode = new Float64Array(steps * modes);
  const survivalMode = new Float64Array(modes);
  // A whole number of processes per step (the usual case: a 10-min step over 2- or 5-min readings) needs no
  // logarithm: (1 - h)^k by k - 1 multiplies. Same survival to within a few ulps of exp(k log1p(-h)).
  const wholeK = Number.isInteger(k) && k >= 1 && k <= MAX_MULTIPLIED_POWER ? k : 0;
  for (let g = 0; g < paths; g++) {
    let survivalDue = 1;
    let survivalAny = 1;
    survivalMode.fill(1);
    for (let s = 0; s < steps; s++) {
      const base = (g * steps + s) * modes;
      for (let m = 0; m < modes; m++) {
        const h = Math.min(hazard[base + m] as number, 1 - 1e-15);
        // The step's survival of this mode, (1 - h)^k, multiplied into each running survival.
        let step: number;
        if (wholeK > 0) {
          const q = 1 - h;
          step = q;
          for (let i = 1; i < wholeK; i++) step *= q;
        } else {
          step = Math.exp(k * Math.log1p(-h));
        }
        survivalMode[m] = (survivalMode[m] as number) * step;
        survivalAny *= step;
        if (forecastable[m]) survivalDue *= step;
        byMode[s * modes + m] = (byMode[s * modes + m] as number) + (1 - (survivalMode[m] as number));
      }
      due[s] = (due[s] as number) + (1 - survivalDue);
      any[s] = (any[s] as number) + (1 - survivalAny);
    }
  }
  for (let s = 0; s < steps; s++) {
    due[s] = (due[s] as number) / paths;
    any[s] = (any[s] as number) / paths;
  }
  for (let i = 0; i < byMode.length; i++) byMode[i] = (byMode[i] as number) / paths;
  return { forecastable: due, any, byMode };
}

/**
 * The time (ms after time zero) at which a cumulative curve, sampled at the end of each step and 0 at time
 * zero, first reaches `level`, interpolated linearly within the step; null if it never does.
 */
export function crossingTime(curve: Float64Array, stepMs: number, level: number): number | null {
  let previous = 0;
  for (let s = 0; s < curve.length; s++) {
    const p = curve[s] as number;
    if (p >= level) {
      const fraction = p > previous ? (level - previous) / (p - previous) : 0;
      return (s + Math.max(0, Math.min(1, fraction))) * stepMs;
    }
    previous = p;
  }
  return null;
}

/** The mean time to the first failure counted within the curve's span (ms): the area under its survival. */
export function restrictedMeanTime(curve: Float64Array, stepMs: number): number {
  let area = 0;
  let previous = 1;
  for (let s = 0; s < curve.length; s++) {
    const survival = 1 - (curve[s] as number);
    area += ((previous + survival) / 2) * stepMs;
    previous = survival;
  }
  return area;
}
