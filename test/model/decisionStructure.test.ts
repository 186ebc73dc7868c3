import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ARTIFACTS_DIR, loadModelArtifacts } from '../../model/artifacts.js';
import { ANY_FAILURE_CLASS, type Decision, decide } from '../../model/decision.js';
import { buildFeatureMatrix } from '../../model/featureMatrix.js';
import { OnnxScorer } from '../../model/OnnxScorer.js';
import { OSF_THRESHOLD_MIN_NM } from '../../model/physics.js';
import type { ModelArtifacts } from '../../model/types.js';
import type { MachineReading, QualityType } from '../../schemas/reading.js';
import { goldenReading, loadGolden } from '../fixtures/model/golden.js';
import { loadTrainingFile, type TrainingRow } from '../fixtures/model/trainingFile.js';

// Everything here runs the shipped model.onnx through the same path as the pipeline: engineerFeatures ->
// scaler -> one onnxruntime session.run -> decide(). No Python is needed.

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}
const metrics = JSON.parse(readFileSync(join(DEFAULT_ARTIFACTS_DIR, 'metrics.json'), 'utf8')) as {
  decision: { decidedModes: string[] };
  test: Record<string, Counts>;
  split: { testLines: number[] };
  wholeFile: { rows: number; counts: Record<string, Counts> };
};
const LABEL_COLUMN: Record<string, string> = { ANY: 'Machine failure' };

let artifacts: ModelArtifacts;
let scorer: OnnxScorer;
let file: TrainingRow[];
let fileDecisions: Decision[];
let fileProbs: Float32Array;

async function score(readings: readonly MachineReading[]): Promise<Float32Array> {
  return scorer.score(buildFeatureMatrix(readings, artifacts.scaler), readings.length);
}

function decideAll(probs: Float32Array, n: number): Decision[] {
  return Array.from({ length: n }, (_, i) => decide(probs, i, artifacts));
}

/** Whether the decision flags a class (a mode, or ANY). */
function flags(d: Decision, cls: string): boolean {
  return cls === ANY_FAILURE_CLASS ? d.failure : d.predictedModes.includes(cls);
}

function countsOf(rows: readonly TrainingRow[], decisions: readonly Decision[], cls: string): Counts {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  rows.forEach((r, i) => {
    const truth = r.raw[LABEL_COLUMN[cls] ?? cls] === '1';
    const flagged = flags(decisions[i] as Decision, cls);
    if (flagged && truth) c.tp++;
    else if (flagged) c.fp++;
    else if (truth) c.fn++;
    else c.tn++;
  });
  return c;
}

beforeAll(async () => {
  artifacts = await loadModelArtifacts();
  scorer = await OnnxScorer.create(artifacts);
  file = loadTrainingFile();
  fileProbs = await score(file.map((r) => goldenReading(r.raw)));
  fileDecisions = decideAll(fileProbs, file.length);
});

afterAll(async () => {
  await scorer.release();
});

describe('the any-failure decision is the OR of the mode decisions', () => {
  it('on the golden rows', async () => {
    const golden = loadGolden();
    const decisions = decideAll(
      await score(golden.rows.map((r) => goldenReading(r.raw))),
      golden.rows.length,
    );
    for (const [i, d] of decisions.entries()) {
      expect(d.failure, `golden line ${golden.rows[i]?.line}`).toBe(d.predictedModes.length > 0);
    }
    // Not vacuous: the golden rows hold alarms of every decided mode and rows without any.
    for (const mode of metrics.decision.decidedModes) {
      expect(
        decisions.some((d) => d.failure && d.predictedModes.includes(mode)),
        mode,
      ).toBe(true);
    }
    expect(decisions.some((d) => !d.failure)).toBe(true);
  });

  it('on every row of the training file', () => {
    expect(file).toHaveLength(metrics.wholeFile.rows);
    const contradictions = file.filter((_, i) => {
      const d = fileDecisions[i] as Decision;
      return d.failure !== d.predictedModes.length > 0;
    });
    expect(contradictions.map((r) => r.line)).toEqual([]);
    expect(fileDecisions.filter((d) => d.failure).length).toBeGreaterThan(200);
  });

  it('on arbitrary inputs: ANY is exactly the largest decided-mode probability, at the same threshold', async () => {
    const n = 4000;
    const rows = fc.sample(
      fc.array(fc.float({ min: -8, max: 8, noNaN: true }), { minLength: 11, maxLength: 11 }),
      {
        numRuns: n,
        seed: 15,
      },
    );
    const probs = await scorer.score(Float32Array.from(rows.flat()), n);
    const c = artifacts.classes.length;
    const decided = metrics.decision.decidedModes.map((m) => artifacts.classes.indexOf(m));
    const anyIndex = artifacts.classes.indexOf(ANY_FAILURE_CLASS);
    let alarms = 0;
    for (let i = 0; i < n; i++) {
      const max = Math.max(...decided.map((k) => probs[i * c + k] as number));
      expect(probs[i * c + anyIndex]).toBe(max);
      if (decide(probs, i, artifacts).failure) alarms++;
    }
    expect(alarms).toBeGreaterThan(0);
    for (const k of decided) expect(artifacts.thresholds[k]).toBe(artifacts.thresholds[anyIndex]);
  });

  it('never flags the modes no single reading decides (TWF, RNF)', () => {
    for (const mode of ['TWF', 'RNF']) {
      expect(artifacts.thresholds[artifacts.classes.indexOf(mode)]).toBe(1);
      expect(metrics.decision.decidedModes).not.toContain(mode);
    }
    expect(
      fileDecisions.some((d) => d.predictedModes.includes('TWF') || d.predictedModes.includes('RNF')),
    ).toBe(false);
  });
});

describe("metrics.json's figures for the shipped model, recomputed with onnxruntime", () => {
  it('on the whole training file, every class', () => {
    for (const cls of artifacts.classes) {
      expect(countsOf(file, fileDecisions, cls), cls).toEqual(metrics.wholeFile.counts[cls]);
    }
  });

  it('on the held-out test split, every class', () => {
    const test = new Set(metrics.split.testLines);
    const rows = file.filter((r) => test.has(r.line));
    const decisions = fileDecisions.filter((_, i) => test.has((file[i] as TrainingRow).line));
    expect(rows).toHaveLength(metrics.split.testLines.length);
    for (const cls of artifacts.classes) {
      const { tp, fp, fn, tn } = metrics.test[cls] as Counts;
      expect(countsOf(rows, decisions, cls), cls).toEqual({ tp, fp, fn, tn });
    }
  });
});

/** A reading well inside every other mode's safe range, with the given overrides. */
function reading(overrides: Partial<MachineReading>): MachineReading {
  return {
    qualityType: 'M',
    airTemperatureK: 300,
    processTemperatureK: 310,
    rotationalSpeedRpm: 1500,
    torqueNm: 40,
    toolWearMin: 100,
    ...overrides,
  };
}

// Wear 240 min keeps the power inside its band at the torques that bring each type to its OSF limit.
const osfCases = (['L', 'M', 'H'] as QualityType[]).flatMap((type) =>
  [0.99, 1.01, 1.03].map((factor) => ({
    name: `OSF, type ${type}, wear x torque ${factor} x the ${OSF_THRESHOLD_MIN_NM[type]} limit`,
    reading: reading({
      qualityType: type,
      rotationalSpeedRpm: 1400,
      toolWearMin: 240,
      torqueNm: (OSF_THRESHOLD_MIN_NM[type] * factor) / 240,
    }),
    modes: factor > 1 ? ['OSF'] : [],
  })),
);
const powerAt = (watts: number, rpm: number): Partial<MachineReading> => ({
  rotationalSpeedRpm: rpm,
  torqueNm: (watts * 60) / (2 * Math.PI * rpm),
  toolWearMin: 10,
});
const SHARP_CASES: { name: string; reading: MachineReading; modes: string[] }[] = [
  ...osfCases,
  { name: 'PWF, 3,465 W (1 % under 3,500)', reading: reading(powerAt(3465, 2000)), modes: ['PWF'] },
  { name: 'PWF, 3,535 W (1 % over 3,500)', reading: reading(powerAt(3535, 2000)), modes: [] },
  { name: 'PWF, 8,910 W (1 % under 9,000)', reading: reading(powerAt(8910, 1400)), modes: [] },
  { name: 'PWF, 9,090 W (1 % over 9,000)', reading: reading(powerAt(9090, 1400)), modes: ['PWF'] },
  {
    name: 'HDF, dT 8.0 K at 1,365 rpm',
    reading: reading({ processTemperatureK: 308, rotationalSpeedRpm: 1365, torqueNm: 50 }),
    modes: ['HDF'],
  },
  {
    name: 'HDF, dT 8.0 K at 1,395 rpm (over the speed limit)',
    reading: reading({ processTemperatureK: 308, rotationalSpeedRpm: 1395, torqueNm: 50 }),
    modes: [],
  },
  {
    name: 'HDF, dT 8.5 K at 1,300 rpm',
    reading: reading({ processTemperatureK: 308.5, rotationalSpeedRpm: 1300, torqueNm: 50 }),
    modes: ['HDF'],
  },
  {
    name: 'HDF, dT 8.7 K at 1,300 rpm (over the temperature limit)',
    reading: reading({ processTemperatureK: 308.7, rotationalSpeedRpm: 1300, torqueNm: 50 }),
    modes: [],
  },
];

describe('sharp where the documented physics is sharp (shipped model, 1 % either side of each limit)', () => {
  it.each(SHARP_CASES)('$name', async ({ reading: r, modes }) => {
    const d = decideAll(await score([r]), 1)[0] as Decision;
    expect(d.predictedModes).toEqual(modes);
    expect(d.failure).toBe(modes.length > 0);
  });
});
