import { describe, expect, it } from 'vitest';
import { computeOutlook, crossingTime, restrictedMeanTime } from '../../../processors/forecast/outlook.js';

describe('outlook', () => {
  it('compounds a hazard per process over the processes of each step, per path, then averages paths', () => {
    // Two paths, two steps, one mode; path 0 has hazard 0.1, path 1 none; 3 processes per step.
    const o = computeOutlook({
      hazard: Float64Array.from([0.1, 0.1, 0, 0]),
      paths: 2,
      steps: 2,
      modes: 1,
      processesPerStep: 3,
      forecastable: [true],
    });
    expect(o.forecastable[0]).toBeCloseTo((1 - 0.9 ** 3) / 2, 12);
    expect(o.forecastable[1]).toBeCloseTo((1 - 0.9 ** 6) / 2, 12);
    expect(o.any[1]).toBeCloseTo(o.forecastable[1] as number, 12);
  });

  it('keeps non-forecastable modes out of the due curve but in "any"', () => {
    const o = computeOutlook({
      hazard: Float64Array.from([0.2, 0.5]),
      paths: 1,
      steps: 1,
      modes: 2,
      processesPerStep: 1,
      forecastable: [true, false],
    });
    expect(o.forecastable[0]).toBeCloseTo(0.2, 12);
    expect(o.any[0]).toBeCloseTo(1 - 0.8 * 0.5, 12);
    expect([o.byMode[0], o.byMode[1]]).toEqual([expect.closeTo(0.2, 12), expect.closeTo(0.5, 12)]);
  });

  it('finds the crossing within its step and the mean time under the survival curve', () => {
    const curve = Float64Array.from([0.2, 0.6, 1]);
    expect(crossingTime(curve, 10, 0.5)).toBeCloseTo(17.5, 12);
    expect(crossingTime(curve, 10, 0.1)).toBeCloseTo(5, 12);
    expect(crossingTime(Float64Array.from([0.1, 0.2]), 10, 0.5)).toBeNull();
    expect(restrictedMeanTime(Float64Array.from([0, 0]), 10)).toBe(20);
    expect(restrictedMeanTime(Float64Array.from([1, 1]), 10)).toBe(5);
  });
});
