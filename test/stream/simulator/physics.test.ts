import { describe, expect, it } from 'vitest';
import type { SensorReading } from '../../../schemas/reading.js';
import { deterministicFailures, powerW } from '../../../stream/simulator/physics.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';

// The dataset's documented rules, written out again here rather than imported, in tenths so that decimal
// values compare as the dataset does.
const heatDissipation = (r: SensorReading): boolean =>
  Math.round(r.processTemperatureK * 10) - Math.round(r.airTemperatureK * 10) < 86 &&
  r.rotationalSpeedRpm < 1380;
const power = (r: SensorReading): boolean => {
  const watts = (r.torqueNm * r.rotationalSpeedRpm * 2 * Math.PI) / 60;
  return watts < 3500 || watts > 9000;
};
const overstrain = (r: SensorReading): boolean =>
  Math.round(r.torqueNm * 10) * r.toolWearMin > { L: 110_000, M: 120_000, H: 130_000 }[r.qualityType];

const run = createSimulator({
  machines: 100,
  seed: 7,
  startTime: Date.UTC(2026, 0, 1),
  intervalMs: 60_000,
}).take(50_000);

describe('simulated physics follows the AI4I failure rules', () => {
  it.each([
    ['HDF', heatDissipation],
    ['PWF', power],
    ['OSF', overstrain],
  ] as const)('%s is set exactly when its rule holds', (mode, rule) => {
    const disagreements = run.filter(({ reading, truth }) => truth[mode] !== rule(reading));
    expect(disagreements).toEqual([]);
    // The run must exercise the rule both ways for the check to mean anything.
    expect(run.filter(({ truth }) => truth[mode]).length).toBeGreaterThan(50);
  });

  it('sets failure exactly when some mode fires', () => {
    const mismatched = run.filter(
      ({ truth: t }) => t.failure !== (t.TWF || t.HDF || t.PWF || t.OSF || t.RNF),
    );
    expect(mismatched).toEqual([]);
  });

  it('fails tools only at a wear in [200, 240] min, then starts the next process with a new tool', () => {
    const lastByDevice = new Map<string, { wear: number; TWF: boolean }>();
    let failures = 0;
    for (const { reading, truth } of run) {
      if (truth.TWF) {
        failures++;
        expect(reading.toolWearMin).toBeGreaterThanOrEqual(200);
        expect(reading.toolWearMin).toBeLessThanOrEqual(240);
      }
      const previous = lastByDevice.get(reading.deviceId);
      if (previous?.TWF) expect(reading.toolWearMin).toBe(0);
      lastByDevice.set(reading.deviceId, { wear: reading.toolWearMin, TWF: truth.TWF });
    }
    expect(failures).toBeGreaterThan(100);
  });

  it('adds 2/3/5 min of wear per process for L/M/H, or restarts at 0 after a tool change near end of life', () => {
    const previous = new Map<string, SensorReading>();
    for (const { reading } of run) {
      const before = previous.get(reading.deviceId);
      if (before) {
        const step = { L: 2, M: 3, H: 5 }[reading.qualityType];
        if (reading.toolWearMin === 0) expect(before.toolWearMin).toBeGreaterThanOrEqual(200);
        else expect(reading.toolWearMin - before.toolWearMin).toBe(step);
      }
      previous.set(reading.deviceId, reading);
    }
  });

  it('keeps torque positive and speed within the spindle limit', () => {
    expect(run.every(({ reading }) => reading.torqueNm > 0 && reading.rotationalSpeedRpm <= 2886)).toBe(true);
  });

  it('rounds values as the dataset does', () => {
    const decimals = (x: number): number => (x.toString().split('.')[1] ?? '').length;
    for (const { reading } of run.slice(0, 2000)) {
      expect(decimals(reading.airTemperatureK)).toBeLessThanOrEqual(1);
      expect(decimals(reading.processTemperatureK)).toBeLessThanOrEqual(1);
      expect(decimals(reading.torqueNm)).toBeLessThanOrEqual(1);
      expect(Number.isInteger(reading.rotationalSpeedRpm)).toBe(true);
      expect(Number.isInteger(reading.toolWearMin)).toBe(true);
    }
  });
});

describe('deterministicFailures', () => {
  const base = {
    qualityType: 'L',
    airTemperatureK: 300,
    processTemperatureK: 310,
    rotationalSpeedRpm: 1500,
    torqueNm: 40,
    toolWearMin: 100,
  } as const;

  it.each([
    ['nominal', {}, { HDF: false, PWF: false, OSF: false }],
    // 308.6 - 300.0 is 8.600000000000023 in floating point; the rule must still see 8.6, not below.
    ['dT exactly 8.6 is not HDF', { processTemperatureK: 308.6, rotationalSpeedRpm: 1300 }, { HDF: false }],
    ['dT 8.5 at 1379 rpm', { processTemperatureK: 308.5, rotationalSpeedRpm: 1379 }, { HDF: true }],
    ['dT 8.5 at 1380 rpm', { processTemperatureK: 308.5, rotationalSpeedRpm: 1380 }, { HDF: false }],
    ['low power', { torqueNm: 10, rotationalSpeedRpm: 2800 }, { PWF: true }],
    ['high power', { torqueNm: 70, rotationalSpeedRpm: 1300 }, { PWF: true }],
    ['L wear x torque 11,000 exactly', { toolWearMin: 220, torqueNm: 50 }, { OSF: false }],
    ['L wear x torque above 11,000', { toolWearMin: 220, torqueNm: 50.1 }, { OSF: true }],
    ['M needs 12,000', { qualityType: 'M', toolWearMin: 220, torqueNm: 54.5 }, { OSF: false }],
    ['M above 12,000', { qualityType: 'M', toolWearMin: 220, torqueNm: 54.6 }, { OSF: true }],
    ['H needs 13,000', { qualityType: 'H', toolWearMin: 220, torqueNm: 59 }, { OSF: false }],
    ['H above 13,000', { qualityType: 'H', toolWearMin: 220, torqueNm: 59.1 }, { OSF: true }],
  ] as const)('%s', (_name, change, expected) => {
    expect(deterministicFailures({ ...base, ...change })).toMatchObject(expected);
  });

  it('computes power from torque and angular speed', () => {
    expect(powerW(40, 1500)).toBeCloseTo(6283.19, 2);
  });
});
