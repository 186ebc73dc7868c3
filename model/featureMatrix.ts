import type { MachineReading } from '../schemas/reading.js';
import { engineerFeatures, FEATURE_COUNT } from './features.js';
import { scaleInPlace } from './scaler.js';
import type { ScalerParams } from './types.js';

/** The scaled model input for a batch: engineer every reading, then standardise; row-major [N, F]. */
export function buildFeatureMatrix(readings: readonly MachineReading[], scaler: ScalerParams): Float32Array {
  if (scaler.mean.length !== FEATURE_COUNT) {
    throw new RangeError(
      `scaler has ${scaler.mean.length} features, the feature code writes ${FEATURE_COUNT}`,
    );
  }
  const n = readings.length;
  const x = new Float32Array(n * FEATURE_COUNT);
  for (let i = 0; i < n; i++) {
    engineerFeatures(readings[i] as MachineReading, x, i * FEATURE_COUNT);
  }
  scaleInPlace(x, n, scaler);
  return x;
}
