import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelArtifacts } from '../../../model/artifacts.js';
import { loadCalibration } from '../../../processors/forecast/loadCalibration.js';

describe('forecast calibration file', () => {
  it('the shipped calibration belongs to the shipped model and covers its classes', async () => {
    const [calibration, model] = await Promise.all([loadCalibration(), loadModelArtifacts()]);
    // A new model.onnx needs `pfm forecast calibrate`; this test says so before the forecaster does.
    expect(calibration.modelSha256).toBe(model.modelSha256);
    for (const c of model.classes) expect(calibration.classes[c]?.oddsDivisor).toBeGreaterThan(0);
  });

  it('names the file and the field that is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfm-cal-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ modelSha256: 'x' }));
    await expect(loadCalibration(bad)).rejects.toThrow(
      /bad\.json is not a forecast calibration: modelSha256/,
    );
    await expect(loadCalibration(join(dir, 'missing.json'))).rejects.toThrow(
      /cannot read forecast calibration/,
    );
  });
});
