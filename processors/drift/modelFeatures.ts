import { PfmError } from '../../kernel/errors.js';
import { engineerFeatures, FEATURE_COUNT, FEATURE_NAMES } from '../../model/features.js';
import type { FeatureEngineer } from './core.js';
import type { DriftReference } from './types.js';

/**
 * The model's own feature engineering (model/features.ts) as the drift core takes it, after checking that the
 * reference describes exactly the features that code computes, in the same order.
 */
export function modelEngineerFor(reference: DriftReference): FeatureEngineer {
  const names = reference.features.map((f) => f.name);
  if (names.join(',') !== FEATURE_NAMES.join(',')) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `reference.json describes [${names.join(', ')}] but model/features.ts computes [${FEATURE_NAMES.join(', ')}]`,
    );
  }
  // One buffer reused for every reading: the core copies the values out before the next call.
  const out = new Float32Array(FEATURE_COUNT);
  return (reading) => {
    engineerFeatures(reading, out, 0);
    return out;
  };
}
