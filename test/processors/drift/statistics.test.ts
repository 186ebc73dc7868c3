import { describe, expect, it } from 'vitest';
import { cusumArl0, cusumThreshold } from '../../../processors/drift/decision.js';
import {
  chiSquareCdf,
  chiSquareIsf,
  chiSquareSf,
  kolmogorovSf,
  ksTwoSample,
  normalQuantile,
  normalTwoSidedP,
} from '../../../processors/drift/statistics.js';

describe('distribution functions', () => {
  // Reference values from scipy.stats (chi2.isf, chi2.cdf, norm.ppf).
  it.each([
    [0.05, 1, 3.841459],
    [0.05, 9, 16.918978],
    [0.01, 2, 9.21034],
    [1e-5, 9, 39.340654],
    [0.5, 4.5, 3.853754],
  ])('chi-square upper quantile p=%s dof=%s is %s', (p, dof, x) => {
    expect(chiSquareIsf(p, dof)).toBeCloseTo(x, 3);
    expect(chiSquareSf(x, dof)).toBeCloseTo(p, 5);
  });

  it.each([
    [3, 10, 0.01857594],
    [40, 60, 0.02181822],
    [0.5, 1, 0.5204999],
  ])('chi-square lower tail at %s with %s dof is %s', (x, dof, p) => {
    expect(chiSquareCdf(x, dof)).toBeCloseTo(p, 6);
  });

  it.each([
    [0.975, 1.959964],
    [0.5, 0],
    [1e-6, -4.753424],
    [0.999999, 4.753424],
  ])('normal quantile of %s is %s', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 5);
  });

  it('two-sided normal p-values', () => {
    expect(normalTwoSidedP(1.959964)).toBeCloseTo(0.05, 6);
    expect(normalTwoSidedP(-3)).toBeCloseTo(0.0026998, 6);
  });

  it("Kolmogorov's distribution and the two-sample KS test", () => {
    expect(kolmogorovSf(1.358)).toBeCloseTo(0.05, 3);
    const a = Float64Array.from({ length: 200 }, (_, i) => i);
    expect(ksTwoSample(a, a)).toEqual({ d: 0, p: 1 });
    const shifted = a.map((x) => x + 100);
    const { d, p } = ksTwoSample(a, shifted);
    expect(d).toBeCloseTo(0.5, 9);
    expect(p).toBeLessThan(1e-10);
    // Ties across the samples are stepped over together: identical discrete samples do not differ.
    const discrete = Float64Array.from({ length: 100 }, (_, i) => i % 3);
    expect(ksTwoSample(discrete, discrete).d).toBe(0);
  });

  it('CUSUM threshold gives the in-control run length asked for', () => {
    // Siegmund's approximation: k = 0.5, h = 5 gives about 930 (the textbook one-sided ARL0 is 938).
    expect(cusumArl0(0.5, 5)).toBeGreaterThan(900);
    expect(cusumArl0(0.5, 5)).toBeLessThan(960);
    for (const arl of [100, 10_000, 1_000_000])
      expect(cusumArl0(0.5, cusumThreshold(0.5, arl))).toBeCloseTo(arl, -1);
  });
});
