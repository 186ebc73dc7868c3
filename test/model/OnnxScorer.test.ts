import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PfmError } from '../../kernel/errors.js';
import { loadModelArtifacts } from '../../model/artifacts.js';
import { buildFeatureMatrix } from '../../model/featureMatrix.js';
import { OnnxScorer } from '../../model/OnnxScorer.js';
import type { ModelArtifacts } from '../../model/types.js';
import { goldenReading, loadGolden } from '../fixtures/model/golden.js';

const WRONG_NAMES_MODEL = fileURLToPath(new URL('../fixtures/model/wrong-names.onnx', import.meta.url));
const golden = loadGolden();

let artifacts: ModelArtifacts;
let scorer: OnnxScorer;

beforeAll(async () => {
  artifacts = await loadModelArtifacts();
  scorer = await OnnxScorer.create(artifacts);
});

afterAll(async () => {
  await scorer.release();
});

describe('OnnxScorer parity with PyTorch (golden.json)', () => {
  it('reproduces the training framework probabilities within 1e-5, in one batch', async () => {
    const x = Float32Array.from(golden.rows.flatMap((r) => r.scaled));
    const probs = await scorer.score(x, golden.rows.length);
    expect(probs).toHaveLength(golden.rows.length * scorer.classCount);
    golden.rows.forEach((row, i) => {
      row.probabilities.forEach((p, k) => {
        expect(
          Math.abs((probs[i * scorer.classCount + k] as number) - p),
          `row ${row.line} class ${k}`,
        ).toBeLessThanOrEqual(1e-5);
      });
    });
  });

  it('gets the same probabilities from raw readings through buildFeatureMatrix', async () => {
    const x = buildFeatureMatrix(
      golden.rows.map((r) => goldenReading(r.raw)),
      artifacts.scaler,
    );
    const probs = await scorer.score(x, golden.rows.length);
    golden.rows.forEach((row, i) => {
      row.probabilities.forEach((p, k) => {
        expect(Math.abs((probs[i * scorer.classCount + k] as number) - p)).toBeLessThanOrEqual(1e-5);
      });
    });
  });

  it('scores a row the same alone as in a batch', async () => {
    const x = Float32Array.from(golden.rows.flatMap((r) => r.scaled));
    const batch = await scorer.score(x, golden.rows.length);
    const f = scorer.featureCount;
    const c = scorer.classCount;
    for (const i of [0, 7, golden.rows.length - 1]) {
      const one = await scorer.score(x.subarray(i * f, (i + 1) * f), 1);
      for (let k = 0; k < c; k++) {
        expect(Math.abs((one[k] as number) - (batch[i * c + k] as number))).toBeLessThanOrEqual(1e-6);
      }
    }
  });
});

describe('OnnxScorer contract', () => {
  it('reports its widths from the artifacts', () => {
    expect(scorer.featureCount).toBe(11);
    expect(scorer.classCount).toBe(6);
  });

  it('returns nothing for an empty batch and refuses a buffer that is not n rows', async () => {
    expect(await scorer.score(new Float32Array(0), 0)).toHaveLength(0);
    await expect(scorer.score(new Float32Array(10), 1)).rejects.toThrow(RangeError);
    await expect(scorer.score(new Float32Array(9), 2)).rejects.toThrow(RangeError);
  });

  it('refuses a model whose output is not as wide as classes.txt', async () => {
    const error = await OnnxScorer.create({ ...artifacts, classes: artifacts.classes.slice(0, 5) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PfmError);
    expect((error as PfmError).code).toBe('MODEL_MISMATCH');
    expect((error as PfmError).message).toMatch(
      /outputs \[1, 6\] for one row, but classes\.txt has 5 classes/,
    );
  });

  it('refuses a model that does not take as many features as features.txt', async () => {
    const error = await OnnxScorer.create({ ...artifacts, features: artifacts.features.slice(0, 10) }).catch(
      (e: unknown) => e,
    );
    expect((error as PfmError).code).toBe('MODEL_MISMATCH');
    expect((error as PfmError).message).toMatch(/rejects a \[1, 10\] input/);
  });

  it('refuses a model with other input and output names', async () => {
    const error = await OnnxScorer.create({ ...artifacts, modelPath: WRONG_NAMES_MODEL }).catch(
      (e: unknown) => e,
    );
    expect((error as PfmError).code).toBe('MODEL_MISMATCH');
    expect((error as PfmError).message).toMatch(/takes inputs \[x\], expected \[features\]/);
  });
});
