import type { ScalerParams } from './types.js';

/**
 * Standardises the first n rows of a row-major [n, F] matrix in place: (x - mean) / scale per column.
 * Each value is widened to float64, scaled, and rounded once to float32, exactly as train.py does.
 */
export function scaleInPlace(x: Float32Array, n: number, scaler: ScalerParams): void {
  const f = scaler.mean.length;
  if (scaler.scale.length !== f) {
    throw new RangeError(`scaler has ${f} means but ${scaler.scale.length} scales`);
  }
  if (!Number.isInteger(n) || n < 0 || x.length < n * f) {
    throw new RangeError(`cannot scale ${n} rows of ${f} features in a buffer of ${x.length} values`);
  }
  // Hoisted into plain arrays: the inner loop then reads no object properties.
  const mean = Float64Array.from(scaler.mean);
  const scale = Float64Array.from(scaler.scale);
  for (let i = 0; i < n; i++) {
    const base = i * f;
    for (let j = 0; j < f; j++) {
      x[base + j] = ((x[base + j] as number) - (mean[j] as number)) / (scale[j] as number);
    }
  }
}
