import type { ModelArtifacts } from './types.js';

/** The class name of the any-failure head in classes.txt. */
export const ANY_FAILURE_CLASS = 'ANY';

/** What one scored row means once the thresholds are applied. */
export interface Decision {
  /** The failure modes whose probability is above their threshold, in class order (ANY excluded). */
  predictedModes: string[];
  /** With the shipped model, the probability of the most likely decided mode (ANY = max of HDF, PWF, OSF). */
  anyFailureProbability: number;
  /**
   * The any-failure probability is above its threshold. The shipped model makes this exactly "predictedModes is
   * not empty" (ANY is the max of the decided modes, all at one threshold; test/model/decisionStructure.test.ts).
   */
  failure: boolean;
}

/** Applies the per-class thresholds to row `row` of an [n, C] probability matrix. */
export function decide(
  probs: Float32Array,
  row: number,
  artifacts: Pick<ModelArtifacts, 'classes' | 'thresholds'>,
): Decision {
  const { classes, thresholds } = artifacts;
  const c = classes.length;
  const base = row * c;
  if (!Number.isInteger(row) || row < 0 || base + c > probs.length) {
    throw new RangeError(`row ${row} is outside a probability matrix of ${probs.length / c} rows`);
  }
  const predictedModes: string[] = [];
  let anyFailureProbability = Number.NaN;
  let failure = false;
  for (let k = 0; k < c; k++) {
    const p = probs[base + k] as number;
    const over = p > (thresholds[k] as number);
    if (classes[k] === ANY_FAILURE_CLASS) {
      anyFailureProbability = p;
      failure = over;
    } else if (over) {
      predictedModes.push(classes[k] as string);
    }
  }
  if (Number.isNaN(anyFailureProbability)) {
    throw new RangeError(`classes [${classes.join(', ')}] have no ${ANY_FAILURE_CLASS} head`);
  }
  return { predictedModes, anyFailureProbability, failure };
}
