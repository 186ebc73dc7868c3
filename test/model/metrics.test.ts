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
  f1Interval95?: [number, number];
}
type Figures = Record<string, ClassMetrics>;
interface VariantSummary {
  outOfFold: Figures;
  test: Figures;
  anyF1MinusShippedOutOfFold: { value: number; interval95: [number, number] };
}
const metrics = JSON.parse(readFileSync(join(DEFAULT_ARTIFACTS_DIR, 'metrics.json'), 'utf8')) as {
  modelSha256: string;
  decision: { decidedModes: string[]; notDecided: Record<string, string> };
  shippedVariant: string;
  outOfFold: Figures & { rows: number; folds: number };
  test: Figures;
  testErrors: Record<string, { fp: number[]; fn: number[] }>;
  wholeFile: { anyEqualsOrOfModes: boolean; minDecisionMargin: { value: number } };
  variants: Record<string, VariantSummary>;
  protocol: { tieOrder: string[] };
  split: { train: number; test: number; testLines: number[] };
  data: { rows: number };
};
const thresholds = JSON.parse(readFileSync(join(DEFAULT_ARTIFACTS_DIR, 'thresholds.json'), 'utf8')) as Record<
  string,
  number
>;
const classes = readFileSync(join(DEFAULT_ARTIFACTS_DIR, 'classes.txt'), 'utf8').trim().split('\n');

/** The per-class entries of a figures object (outOfFold also carries rows and folds). */
function perClass(figures: Figures): [string, ClassMetrics][] {
  return classes.map((c) => [c, figures[c] as ClassMetrics]);
}

function expectConsistent(figures: Figures, rows: number, label: string): void {
  for (const [cls, m] of perClass(figures)) {
    expect(m, `${label} ${cls}`).toBeDefined();
    expect(m.tp + m.fp + m.fn + m.tn, `${label} ${cls}`).toBe(rows);
    expect(m.tp + m.fn, `${label} ${cls}`).toBe(m.support);
    const f1 = m.tp === 0 ? 0 : (2 * m.tp) / (2 * m.tp + m.fp + m.fn);
    expect(m.f1, `${label} ${cls}`).toBeCloseTo(f1, 5);
    if (m.f1Interval95) {
      const [lo, hi] = m.f1Interval95;
      expect(lo, `${label} ${cls}`).toBeLessThanOrEqual(m.f1 + 1e-9);
      expect(hi, `${label} ${cls}`).toBeGreaterThanOrEqual(m.f1 - 1e-9);
    }
  }
}

describe('committed metrics.json', () => {
  it('describes the committed model.onnx', () => {
    const sha = createHash('sha256')
      .update(readFileSync(join(DEFAULT_ARTIFACTS_DIR, 'model.onnx')))
      .digest('hex');
    expect(metrics.modelSha256).toBe(sha);
  });

  it('has out-of-fold figures over all rows and held-out figures over the test split, with counts that add up', () => {
    expect(metrics.outOfFold.rows).toBe(metrics.data.rows);
    expect(metrics.outOfFold.folds).toBe(5);
    expect(metrics.split.train + metrics.split.test).toBe(metrics.data.rows);
    expect(new Set(metrics.split.testLines).size).toBe(metrics.split.test);
    expectConsistent(metrics.outOfFold, metrics.data.rows, 'out-of-fold');
    expectConsistent(metrics.test, metrics.split.test, 'test');
  });

  it('gives a bootstrap interval for every decided class and ANY', () => {
    for (const cls of [...metrics.decision.decidedModes, 'ANY']) {
      expect(metrics.outOfFold[cls]?.f1Interval95, cls).toHaveLength(2);
      expect(metrics.test[cls]?.f1Interval95, cls).toHaveLength(2);
    }
  });

  it('lists one test error per false positive and false negative', () => {
    for (const [cls, m] of perClass(metrics.test)) {
      expect(metrics.testErrors[cls]?.fp, cls).toHaveLength(m.fp);
      expect(metrics.testErrors[cls]?.fn, cls).toHaveLength(m.fn);
      for (const line of [...(metrics.testErrors[cls]?.fp ?? []), ...(metrics.testErrors[cls]?.fn ?? [])]) {
        expect(metrics.split.testLines).toContain(line);
      }
    }
  });

  it('reports every declared variant, and ships the one the selection rule picks on out-of-fold ANY F1', () => {
    expect(Object.keys(metrics.variants)).toEqual(metrics.protocol.tieOrder);
    const best = Math.max(...Object.values(metrics.variants).map((v) => v.outOfFold.ANY?.f1 ?? 0));
    const pick = metrics.protocol.tieOrder.find((v) => metrics.variants[v]?.outOfFold.ANY?.f1 === best);
    expect(metrics.shippedVariant).toBe(pick);
    const shipped = metrics.variants[metrics.shippedVariant] as VariantSummary;
    expect(shipped.test).toEqual(metrics.test);
    const { rows: _rows, folds: _folds, ...oof } = metrics.outOfFold;
    expect(shipped.outOfFold).toEqual(oof);
    for (const [name, v] of Object.entries(metrics.variants)) {
      expectConsistent(v.outOfFold, metrics.data.rows, `${name} out-of-fold`);
      expectConsistent(v.test, metrics.split.test, `${name} test`);
      const diff = (v.outOfFold.ANY?.f1 ?? 0) - (shipped.outOfFold.ANY?.f1 ?? 0);
      expect(v.anyF1MinusShippedOutOfFold.value, name).toBeCloseTo(diff, 5);
    }
  });

  it('decides HDF, PWF, OSF and ANY at 0.5 and never flags TWF or RNF', () => {
    expect(metrics.decision.decidedModes).toEqual(['HDF', 'PWF', 'OSF']);
    for (const cls of [...metrics.decision.decidedModes, 'ANY']) expect(thresholds[cls], cls).toBe(0.5);
    for (const cls of Object.keys(metrics.decision.notDecided)) expect(thresholds[cls], cls).toBe(1);
    expect(Object.keys(thresholds).sort()).toEqual([...classes].sort());
    expect(metrics.wholeFile.anyEqualsOrOfModes).toBe(true);
    expect(metrics.wholeFile.minDecisionMargin.value).toBeGreaterThan(0);
  });
});

describe('issue 15 targets, on the out-of-fold predictions of all 8,000 rows', () => {
  it('any-failure F1 >= 0.90', () => {
    expect(metrics.outOfFold.ANY?.f1).toBeGreaterThanOrEqual(0.9);
  });

  it.each(['HDF', 'PWF', 'OSF'])('%s F1 >= 0.95', (cls) => {
    expect(metrics.outOfFold[cls]?.f1).toBeGreaterThanOrEqual(0.95);
  });
});
