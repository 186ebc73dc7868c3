import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ARTIFACTS_DIR } from '../../model/artifacts.js';

interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  support: number;
}
interface VariantSummary {
  thresholds: Record<string, number>;
  selectionSplit: string;
  selectionF1: Record<string, number>;
  testF1: Record<string, number>;
  test: Record<string, ClassMetrics>;
}
const metrics = JSON.parse(readFileSync(join(DEFAULT_ARTIFACTS_DIR, 'metrics.json'), 'utf8')) as {
  modelSha256: string;
  metricsSplit: string;
  shippedVariant: string;
  anyF1: number;
  test: Record<string, ClassMetrics>;
  outOfFold: Record<string, ClassMetrics>;
  testErrors: Record<string, { fp: number[]; fn: number[] }>;
  variants: Record<string, VariantSummary>;
  splitSizes: { train: number; test: number; cvFolds: number };
  data: { rows: number };
};
const thresholds = JSON.parse(readFileSync(join(DEFAULT_ARTIFACTS_DIR, 'thresholds.json'), 'utf8')) as Record<
  string,
  number
>;

describe('committed metrics.json', () => {
  it('describes the committed model.onnx', () => {
    const sha = createHash('sha256')
      .update(readFileSync(join(DEFAULT_ARTIFACTS_DIR, 'model.onnx')))
      .digest('hex');
    expect(metrics.modelSha256).toBe(sha);
  });

  it('reports the held-out test split, with counts that add up', () => {
    expect(metrics.metricsSplit).toBe('test');
    expect(metrics.anyF1).toBe(metrics.test.ANY?.f1);
    expect(metrics.splitSizes.train + metrics.splitSizes.test).toBe(metrics.data.rows);
    for (const [cls, m] of Object.entries(metrics.test)) {
      expect(m.tp + m.fp + m.fn + m.tn, cls).toBe(metrics.splitSizes.test);
      expect(m.tp + m.fn, cls).toBe(m.support);
      const f1 = m.tp === 0 ? 0 : (2 * m.tp) / (2 * m.tp + m.fp + m.fn);
      expect(m.f1, cls).toBeCloseTo(f1, 5);
    }
  });

  it('chose the thresholds on out-of-fold predictions of the train rows, not on the test split', () => {
    for (const [cls, m] of Object.entries(metrics.outOfFold)) {
      expect(m.tp + m.fp + m.fn + m.tn, cls).toBe(metrics.splitSizes.train);
    }
  });

  it('lists one test error per false positive and false negative', () => {
    for (const [cls, m] of Object.entries(metrics.test)) {
      expect(metrics.testErrors[cls]?.fp, cls).toHaveLength(m.fp);
      expect(metrics.testErrors[cls]?.fn, cls).toHaveLength(m.fn);
    }
  });

  it('reports every evaluated variant, the shipped one being the top-level figures and thresholds', () => {
    expect(Object.keys(metrics.variants).sort()).toEqual(['A', 'B', 'C']);
    const shipped = metrics.variants[metrics.shippedVariant];
    expect(shipped?.test).toEqual(metrics.test);
    expect(shipped?.thresholds).toEqual(thresholds);
    for (const [name, v] of Object.entries(metrics.variants)) {
      for (const [cls, m] of Object.entries(v.test)) {
        expect(m.tp + m.fp + m.fn + m.tn, `${name} ${cls}`).toBe(metrics.splitSizes.test);
        expect(v.testF1[cls], `${name} ${cls}`).toBe(m.f1);
      }
    }
  });
});
