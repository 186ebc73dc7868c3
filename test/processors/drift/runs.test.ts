import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRunCounter, sensorRunCalibration } from '../../../processors/drift/calibration.js';
import { MIN_STUCK_RUN, STUCK_ALPHA } from '../../../processors/drift/constants.js';
import { appendReading, concatDeviceRuns } from '../../../processors/drift/runs.js';
import { type DeviceRuns, SENSORS } from '../../../processors/drift/types.js';

/** The runs of one device's readings, one at a time. */
function runsOf(readings: readonly number[][]): DeviceRuns {
  const devices: Record<string, DeviceRuns> = {};
  for (const r of readings) appendReading(devices, 'M-1', r);
  return devices['M-1'] as DeviceRuns;
}

/** The longest run of identical consecutive values of sensor s, by brute force. */
function longestRun(readings: readonly number[][], s: number): number {
  let best = 0;
  let run = 0;
  readings.forEach((r, i) => {
    run = i > 0 && r[s] === readings[i - 1]?.[s] ? run + 1 : 1;
    best = Math.max(best, run);
  });
  return best;
}

// Few distinct values, so runs are common.
const readingArb = fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 5, maxLength: 5 });
const stretchArb = fc.array(readingArb, { minLength: 1, maxLength: 40 });

describe('runs of identical readings', () => {
  it('concatenating the runs of two stretches gives the runs of both stretches read one by one', () => {
    fc.assert(
      fc.property(stretchArb, stretchArb, (a, b) => {
        expect(concatDeviceRuns(runsOf(a), runsOf(b))).toEqual(runsOf([...a, ...b]));
      }),
    );
  });

  it('finds the longest run, its value, and the runs at both ends', () => {
    fc.assert(
      fc.property(stretchArb, (a) => {
        const runs = runsOf(a);
        SENSORS.forEach((_, s) => {
          const r = runs.sensors[s];
          expect(r?.longest).toBe(longestRun(a, s));
          expect(r?.first).toBe(a[0]?.[s]);
          expect(r?.last).toBe(a[a.length - 1]?.[s]);
          expect(r?.prefix).toBe(longestRun(a.slice(0, r?.prefix), s));
        });
      }),
    );
  });
});

describe('stuck-sensor thresholds from run statistics', () => {
  it('tallies runs per device, whatever the interleaving of devices', () => {
    const counter = createRunCounter();
    const a = [1, 1, 1, 2, 2, 3];
    const b = [5, 6, 6, 6, 6, 7];
    a.forEach((x, i) => {
      counter.add('A', [x, 0, i, 0, 0]);
      counter.add('B', [b[i] as number, 0, i, 0, 0]);
    });
    const [air, process, speed] = counter.finish();
    // A: runs 3, 2, 1; B: runs 1, 4, 1.
    expect(air?.runs).toEqual([0, 3, 1, 1, 1]);
    expect(air).toMatchObject({ readings: 12, transitions: 10, repeats: 6 });
    // One value for all six readings of each device.
    expect(process?.runs[6]).toBe(2);
    expect(speed?.repeats).toBe(0);
  });

  it('puts the threshold where healthy runs are rarer than the budget, never at a run the data showed', () => {
    // Geometric runs with continuation 0.5: the rate of runs reaching L is about 0.5^L per reading.
    const counter = createRunCounter();
    let value = 0;
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 200_000; i++) {
      if (random() >= 0.5) value++;
      counter.add('M-1', [value, i, i, i, i]);
    }
    const [tally, iid] = counter.finish();
    const c = sensorRunCalibration(tally as never, 1000);
    expect(c?.repeatRate).toBeCloseTo(0.5, 1);
    expect(c?.tailContinuation).toBeGreaterThan(0.5);
    expect(c?.tailContinuation).toBeLessThan(0.6);
    // Budget per reading: STUCK_ALPHA / (1000 readings x 5 sensors) = 2e-8; 0.5^L < 2e-8 from L = 26.
    const budget = STUCK_ALPHA / (1000 * SENSORS.length);
    expect(0.5 ** (c?.runThreshold ?? 0)).toBeLessThan(budget);
    expect(c?.runThreshold).toBeGreaterThan(c?.longestRun ?? 0);
    expect(c?.runThreshold).toBeLessThan(45);
    // A sensor that never repeats still needs a few identical readings in a row.
    expect(sensorRunCalibration(iid as never, 1000)?.runThreshold).toBe(MIN_STUCK_RUN);
  });
});
