import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scaleInPlace } from '../../model/scaler.js';
import type { ScalerParams } from '../../model/types.js';

const SCALER: ScalerParams = { features: ['a', 'b'], mean: [10, -2], scale: [2, 0.5] };

describe('scaleInPlace', () => {
  it('standardises each column with its own mean and scale', () => {
    const x = Float32Array.from([10, -2, 14, -1, 6, -3]);
    scaleInPlace(x, 3, SCALER);
    expect(Array.from(x)).toEqual([0, 0, 2, 2, -2, -2]);
  });

  it('scales only the first n rows', () => {
    const x = Float32Array.from([12, -2, 12, -2]);
    scaleInPlace(x, 1, SCALER);
    expect(Array.from(x)).toEqual([1, 0, 12, -2]);
  });

  it('rounds once to float32, as training does', () => {
    const scaler: ScalerParams = { features: ['a'], mean: [300.0114164098104], scale: [2.0006028217063996] };
    const x = Float32Array.from([298.1]);
    scaleInPlace(x, 1, scaler);
    expect(x[0]).toBe(Math.fround((Math.fround(298.1) - 300.0114164098104) / 2.0006028217063996));
  });

  it('rejects a buffer too short for n rows and mismatched scaler lengths', () => {
    expect(() => scaleInPlace(new Float32Array(3), 2, SCALER)).toThrow(RangeError);
    expect(() =>
      scaleInPlace(new Float32Array(2), 1, { features: ['a', 'b'], mean: [0, 0], scale: [1] }),
    ).toThrow(/means/);
  });

  it('is undone by x * scale + mean (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 2, maxLength: 40 }),
        (values) => {
          const n = Math.floor(values.length / 2);
          const x = Float32Array.from(values.slice(0, n * 2));
          const original = Float32Array.from(x);
          scaleInPlace(x, n, SCALER);
          for (let i = 0; i < n * 2; i++) {
            const j = i % 2;
            const back = (x[i] as number) * (SCALER.scale[j] as number) + (SCALER.mean[j] as number);
            expect(Math.abs(back - (original[i] as number))).toBeLessThanOrEqual(
              1e-5 * Math.max(1, Math.abs(back)),
            );
          }
        },
      ),
    );
  });
});
