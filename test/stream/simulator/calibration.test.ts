import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import { type ColumnStats, columnStats, loadTrainingRows, type NumericFeature } from './ai4iTraining.js';

// 1,000 machines x 50 readings: many machines because temperatures wander slowly within one machine, so
// fleet-wide means need many independent machines rather than long runs.
const simulated = createSimulator({ machines: 1000, seed: 2020, startTime: 0, intervalMs: 1000 })
  .take(50_000)
  .map(({ reading, truth }) => ({ values: reading, labels: truth }));
const sim: ColumnStats = columnStats(simulated);
const csv: ColumnStats = columnStats(loadTrainingRows());

describe('simulator calibration against ai4i2020-train.csv', () => {
  it.each<[NumericFeature, number, number]>([
    // feature, tolerance on the mean, tolerance on the sd (units of the feature)
    ['airTemperatureK', 0.3, 0.15],
    ['processTemperatureK', 0.3, 0.15],
    ['rotationalSpeedRpm', 5, 5],
    ['torqueNm', 0.3, 0.3],
    ['toolWearMin', 4, 3],
  ])('%s mean and sd match', (feature, meanTolerance, sdTolerance) => {
    expect(Math.abs(sim.mean[feature] - csv.mean[feature])).toBeLessThan(meanTolerance);
    expect(Math.abs(sim.sd[feature] - csv.sd[feature])).toBeLessThan(sdTolerance);
  });

  it('speed and torque are as strongly anti-correlated as in the file', () => {
    expect(Math.abs(sim.speedTorqueCorrelation - csv.speedTorqueCorrelation)).toBeLessThan(0.02);
  });

  it.each<[keyof ColumnStats['rate'], number]>([
    // mode, relative tolerance. HDF is loose because all of the file's HDF rows come from one excursion
    // of its temperature random walk (UDI 3000-5000), so its rate is one draw, not an average.
    ['failure', 0.15],
    ['TWF', 0.25],
    ['HDF', 0.35],
    ['PWF', 0.25],
    ['OSF', 0.25],
    ['RNF', 0.4],
  ])('%s rate matches', (mode, tolerance) => {
    expect(sim.rate[mode]).toBeGreaterThan(csv.rate[mode] * (1 - tolerance));
    expect(sim.rate[mode]).toBeLessThan(csv.rate[mode] * (1 + tolerance));
  });
});
