import { describe, expect, it } from 'vitest';
import type { SensorReading } from '../../../schemas/reading.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import type { DriftFeature, DriftInjection, SimulatedReading } from '../../../stream/simulator/types.js';
import { NUMERIC_FEATURES } from './ai4iTraining.js';

const START = Date.UTC(2026, 0, 1);
const INTERVAL = 1000;
const MACHINES = 20;
const READINGS = MACHINES * 200;

const simulate = (drift: DriftInjection[] = []): SimulatedReading[] =>
  createSimulator({ machines: MACHINES, seed: 11, startTime: START, intervalMs: INTERVAL, drift }).take(
    READINGS,
  );
const clean = simulate();

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};
/** Reported minus true value of a feature, reading by reading. */
const errors = (
  run: SimulatedReading[],
  feature: DriftFeature,
  keep: (r: SensorReading) => boolean = () => true,
) =>
  run.flatMap((r, i) => {
    const truth = clean[i]?.reading;
    return truth && keep(truth) ? [r.reading[feature] - truth[feature]] : [];
  });

describe('drift injection', () => {
  it('offset shifts every reading by the amount', () => {
    const run = simulate([{ feature: 'torqueNm', kind: 'offset', amount: 5, fromTime: START }]);
    for (const e of errors(run, 'torqueNm')) expect(e).toBeCloseTo(5, 9);
  });

  it('scale multiplies the value, rounded as the sensor rounds', () => {
    const run = simulate([{ feature: 'rotationalSpeedRpm', kind: 'scale', amount: 1.3, fromTime: START }]);
    run.forEach((r, i) => {
      expect(r.reading.rotationalSpeedRpm).toBe(
        Math.round((clean[i]?.reading.rotationalSpeedRpm ?? 0) * 1.3),
      );
    });
  });

  it('noise adds zero-mean noise of the given sd', () => {
    const run = simulate([{ feature: 'airTemperatureK', kind: 'noise', amount: 2, fromTime: START }]);
    const e = errors(run, 'airTemperatureK');
    expect(Math.abs(mean(e))).toBeLessThan(0.1);
    expect(sd(e)).toBeGreaterThan(1.9);
    expect(sd(e)).toBeLessThan(2.1);
  });

  it('stuck repeats, per machine, the value of its first reading at or after fromTime', () => {
    const from = START + 50 * INTERVAL;
    const run = simulate([{ feature: 'processTemperatureK', kind: 'stuck', amount: 0, fromTime: from }]);
    const held = new Map<string, number>();
    run.forEach((r, i) => {
      const truth = clean[i]?.reading as SensorReading;
      if (r.reading.timestamp < from) {
        expect(r.reading.processTemperatureK).toBe(truth.processTemperatureK);
        return;
      }
      if (!held.has(r.reading.deviceId)) {
        expect(r.reading.processTemperatureK).toBe(truth.processTemperatureK);
        held.set(r.reading.deviceId, r.reading.processTemperatureK);
      }
      expect(r.reading.processTemperatureK).toBe(held.get(r.reading.deviceId));
    });
    expect(held.size).toBe(MACHINES);
    // The true temperature does move meanwhile, so the repeat is the drift, not the physics.
    const truthAfter = clean.filter((r) => r.reading.deviceId === 'M-0001' && r.reading.timestamp >= from);
    expect(new Set(truthAfter.map((r) => r.reading.processTemperatureK)).size).toBeGreaterThan(1);
  });

  it('touches only the chosen machines, and only from the chosen time', () => {
    const from = START + 100 * INTERVAL;
    const chosen = ['M-0003', 'M-0017'];
    const run = simulate([
      { feature: 'toolWearMin', kind: 'offset', amount: 7, machines: chosen, fromTime: from },
    ]);
    const isDrifting = (r: SensorReading) => chosen.includes(r.deviceId) && r.timestamp >= from;
    for (const e of errors(run, 'toolWearMin', isDrifting)) expect(e).toBe(7);
    for (const e of errors(run, 'toolWearMin', (r) => !isDrifting(r))) expect(e).toBe(0);
    expect(errors(run, 'toolWearMin', isDrifting).length).toBe(2 * 100);
  });

  it('never changes the labels or the features it does not act on', () => {
    const run = simulate([
      { feature: 'torqueNm', kind: 'scale', amount: 2, fromTime: START },
      { feature: 'airTemperatureK', kind: 'noise', amount: 3, fromTime: START },
      { feature: 'rotationalSpeedRpm', kind: 'stuck', amount: 0, fromTime: START + 10 * INTERVAL },
    ]);
    expect(run.map((r) => r.truth)).toEqual(clean.map((r) => r.truth));
    const untouched = NUMERIC_FEATURES.filter(
      (f) => !['torqueNm', 'airTemperatureK', 'rotationalSpeedRpm'].includes(f),
    );
    run.forEach((r, i) => {
      for (const f of untouched) expect(r.reading[f]).toBe(clean[i]?.reading[f]);
      expect(r.reading.timestamp).toBe(clean[i]?.reading.timestamp);
    });
    // With torque doubled, reported values would break the PWF/OSF rules: the labels follow the truth.
    expect(run.some((r) => !r.truth.OSF && r.reading.torqueNm * r.reading.toolWearMin > 13_000)).toBe(true);
  });

  it('applies several drifts on one feature in order', () => {
    const run = simulate([
      { feature: 'torqueNm', kind: 'scale', amount: 2, fromTime: START },
      { feature: 'torqueNm', kind: 'offset', amount: 1, fromTime: START },
    ]);
    run.forEach((r, i) => {
      expect(r.reading.torqueNm).toBeCloseTo((clean[i]?.reading.torqueNm ?? 0) * 2 + 1, 9);
    });
  });
});
