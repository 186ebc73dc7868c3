import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCalibration, shippedCalibrationPath } from '../../../processors/drift/calibration.js';
import { simulatedCalibrationFile } from '../../../processors/drift/constants.js';
import { createDriftCore } from '../../../processors/drift/core.js';
import { modelEngineerFor } from '../../../processors/drift/modelFeatures.js';
import { DEFAULT_ARTIFACTS_DIR, loadDriftReference } from '../../../processors/drift/reference.js';
import { runPfm } from '../../helpers/pfmCli.js';

const TRAINING_CSV = fileURLToPath(new URL('../../../../shared/data/ai4i2020-train.csv', import.meta.url));
const REGENERATE = `npx pfm drift calibrate --in ../shared/data/ai4i2020-train.csv --out model/artifacts/drift-calibration.json`;

describe('the drift calibration shipped with the model (model/artifacts/drift-calibration.json)', () => {
  const path = shippedCalibrationPath();

  it('is there, fits the shipped reference, and is made from the training file in its own order', () => {
    expect(path, `no shipped calibration: ${REGENERATE}`).toBeDefined();
    const shipped = loadCalibration(path as string);
    const reference = loadDriftReference();
    expect(shipped.referenceStatisticsSha256, `stale calibration: ${REGENERATE}`).toBe(
      reference.statisticsSha256,
    );
    expect(() =>
      createDriftCore({ reference, engineer: modelEngineerFor(reference), calibration: shipped }),
    ).not.toThrow();
    expect(shipped.source).toMatch(/^time-ordered history: ai4i2020-train\.csv/);
    expect(Object.keys(shipped.sensors).sort()).toEqual(
      ['airTemperatureK', 'processTemperatureK', 'rotationalSpeedRpm', 'toolWearMin', 'torqueNm'].sort(),
    );
  });

  it('is what `pfm drift calibrate --in <training file>` writes today, byte for byte', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pfm-calibration-')), 'drift-calibration.json');
    const run = await runPfm(['drift', 'calibrate', '--in', TRAINING_CSV, '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(out, 'utf8'), `the shipped calibration is out of date: ${REGENERATE}`).toBe(
      readFileSync(path as string, 'utf8'),
    );
  });
});

describe('the simulated-fleet calibrations shipped for stacks whose simulator feeds the stream', () => {
  const files = readdirSync(DEFAULT_ARTIFACTS_DIR).filter((f) =>
    /^drift-calibration\.simulated-\d+x\d+\.json$/.test(f),
  );

  it('include the default simulator fleet (50 machines, 2,500 readings per window) and fit the reference', () => {
    expect(files).toContain(simulatedCalibrationFile(50, 2500));
    const reference = loadDriftReference();
    for (const file of files) {
      const calibration = loadCalibration(join(DEFAULT_ARTIFACTS_DIR, file));
      const [, machines, window] = /simulated-(\d+)x(\d+)/.exec(file) ?? [];
      expect(calibration.referenceStatisticsSha256, file).toBe(reference.statisticsSha256);
      expect(calibration.windowRecords, file).toBe(Number(window));
      expect(calibration.source, file).toMatch(new RegExp(`^stationary simulator: ${machines} machines`));
    }
  });

  it('are what `pfm drift calibrate --machines N --window W` writes today, byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfm-calibration-'));
    // One child process per file, side by side: each is minutes of synchronous simulation on a loaded runner.
    const runs = await Promise.all(
      files.map(async (file) => {
        const [, machines, window] = /simulated-(\d+)x(\d+)/.exec(file) ?? [];
        const out = join(dir, file);
        const run = await runPfm([
          'drift',
          'calibrate',
          '--machines',
          String(machines),
          '--window',
          String(window),
          '--out',
          out,
        ]);
        return { file, machines, window, out, run };
      }),
    );
    for (const { file, machines, window, out, run } of runs) {
      expect(run.status, run.stderr).toBe(0);
      expect(
        readFileSync(out, 'utf8'),
        `${file} is out of date: npx pfm drift calibrate --machines ${machines} --window ${window} --out model/artifacts/${file}`,
      ).toBe(readFileSync(join(DEFAULT_ARTIFACTS_DIR, file), 'utf8'));
    }
  }, 180_000);
});
