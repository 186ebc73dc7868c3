import { describe, expect, it } from 'vitest';
import * as documented from '../../model/physics.js';
import * as simulated from '../../stream/simulator/constants.js';
import { powerW as simulatedPowerW } from '../../stream/simulator/physics.js';

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
