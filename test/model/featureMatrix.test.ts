import { describe, expect, it } from 'vitest';
import { loadModelArtifacts } from '../../model/artifacts.js';
import { buildFeatureMatrix } from '../../model/featureMatrix.js';
import { engineerFeatures, FEATURE_COUNT } from '../../model/features.js';
import { goldenReading, loadGolden } from '../fixtures/model/golden.js';

const golden = loadGolden();

describe('buildFeatureMatrix against the training pipeline (golden.json)', () => {
  it('has golden rows including failures of every predictable mode', () => {
    expect(golden.rows.length).toBeGreaterThanOrEqual(20);
    for (const mode of ['HDF', 'PWF', 'OSF', 'TWF']) {
      expect(golden.rows.some((r) => r.raw[mode] === '1')).toBe(true);
    }
  });

  it('engineers the same unscaled features as train.py, to the float32 bit', () => {
    const out = new Float32Array(FEATURE_COUNT);
    for (const row of golden.rows) {
      engineerFeatures(goldenReading(row.raw), out, 0);
      expect(Array.from(out)).toEqual(row.engineered);
    }
  });

  it('reproduces the scaled features of the whole batch', async () => {
    const { scaler } = await loadModelArtifacts();
    const x = buildFeatureMatrix(
      golden.rows.map((r) => goldenReading(r.raw)),
      scaler,
    );
    expect(x).toHaveLength(golden.rows.length * FEATURE_COUNT);
    golden.rows.forEach((row, i) => {
      row.scaled.forEach((v, j) => {
        expect(Math.abs((x[i * FEATURE_COUNT + j] as number) - v)).toBeLessThanOrEqual(1e-6);
      });
    });
  });

  it('returns an empty matrix for no readings and refuses a scaler of another width', () => {
    expect(
      buildFeatureMatrix([], {
        features: [],
        mean: new Array(FEATURE_COUNT).fill(0),
        scale: new Array(FEATURE_COUNT).fill(1),
      }),
    ).toHaveLength(0);
    expect(() => buildFeatureMatrix([], { features: ['a'], mean: [0], scale: [1] })).toThrow(RangeError);
  });
});
