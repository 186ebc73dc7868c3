import { describe, expect, it } from 'vitest';
import { engineerFeatures, FEATURE_COUNT, FEATURE_NAMES } from '../../model/features.js';
import * as documented from '../../model/physics.js';
import * as simulated from '../../stream/simulator/constants.js';
import { powerW as simulatedPowerW } from '../../stream/simulator/physics.js';
import { createSimulator } from '../../stream/simulator/Simulator.js';

// The model layer documents the AI4I rules; the simulator (a lower layer that may not import the model) keeps
// its own copy to generate data by. They must not drift apart.
describe('model/physics: the documented AI4I failure rules', () => {
  it('are the rules the simulator generates data by', () => {
    expect(documented.HDF_MAX_DELTA_K).toBe(simulated.HDF_MAX_DELTA_K);
    expect(documented.HDF_MAX_SPEED_RPM).toBe(simulated.HDF_MAX_SPEED_RPM);
    expect(documented.PWF_MIN_POWER_W).toBe(simulated.PWF_MIN_POWER_W);
    expect(documented.PWF_MAX_POWER_W).toBe(simulated.PWF_MAX_POWER_W);
    expect(documented.OSF_THRESHOLD_MIN_NM).toEqual(simulated.OSF_THRESHOLD_MIN_NM);
    expect(documented.TOOL_LIFE_MIN_MIN).toBe(simulated.CALIBRATION.toolLifeMinMin);
    expect(simulated.CALIBRATION.toolLifeMaxMin).toBeLessThanOrEqual(documented.TOOL_LIFE_MAX_MIN);
  });

  it.each([
    [40, 1500, 6283.19],
    [60, 1200, 7539.82],
    [3.8, 2886, 1148.46],
  ])('power at %d Nm and %d rpm is %d W, as the simulator computes it', (torque, rpm, watts) => {
    expect(documented.powerW(torque, rpm)).toBeCloseTo(watts, 1);
    expect(documented.powerW(torque, rpm)).toBe(simulatedPowerW(torque, rpm));
  });
});

describe("the simulator's HDF labels and the model's dT decision", () => {
  // The model decides dT with `delta_below_hdf_limit`, process - air < 8.6 K in float64 (model/features.ts);
  // the simulator must label HDF on the same comparison, or rows displayed as exactly 8.6 K get a ground truth
  // the model is built to contradict.
  const run = createSimulator({
    machines: 100,
    seed: 11,
    startTime: Date.UTC(2026, 0, 1),
    intervalMs: 60_000,
  }).take(200_000);
  const below = FEATURE_NAMES.indexOf('delta_below_hdf_limit');
  const row = new Float32Array(FEATURE_COUNT);

  it('agree on every reading, including those displayed as exactly 8.6 K', () => {
    let disagreements = 0;
    const ties = { HDF: 0, notHDF: 0 };
    for (const { reading, truth } of run) {
      engineerFeatures(reading, row, 0);
      const modelSide = row[below] === 1 && reading.rotationalSpeedRpm < documented.HDF_MAX_SPEED_RPM;
      if (truth.HDF !== modelSide) disagreements++;
      const shown = Math.round(reading.processTemperatureK * 10) - Math.round(reading.airTemperatureK * 10);
      if (shown === 86 && reading.rotationalSpeedRpm < documented.HDF_MAX_SPEED_RPM) {
        if (truth.HDF) ties.HDF++;
        else ties.notHDF++;
      }
    }
    expect(disagreements).toBe(0);
    // The run must hold tie rows on both sides for the check to mean anything.
    expect(ties.HDF).toBeGreaterThan(10);
    expect(ties.notHDF).toBeGreaterThan(10);
  });
});
