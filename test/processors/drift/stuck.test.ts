import { describe, expect, it } from 'vitest';
import { stepStuckSensors, stuckSensorsOf } from '../../../processors/drift/stuck.js';
import type {
  DeviceSensorMemory,
  DriftCalibration,
  SensorRunCalibration,
  WindowState,
} from '../../../processors/drift/types.js';
import { addToWindow, emptyWindow } from '../../../processors/drift/window.js';
import { integerReference } from './fixtures.js';

const reference = integerReference(3);
const calibration = (runThreshold: number): SensorRunCalibration => ({
  transitions: 1000,
  repeatRate: 0.5,
  longestRun: runThreshold - 1,
  tailContinuation: 0.5,
  runThreshold,
});
// Air temperature flags after 10 identical readings, torque after 5; the others are not checked.
const thresholds: DriftCalibration['sensors'] = {
  airTemperatureK: calibration(10),
  torqueNm: calibration(5),
};

/** A window of `count` readings per device, air temperature from `air(device, i)`, torque always moving. */
function window(
  devices: string[],
  count: number,
  air: (device: string, i: number) => number,
  start = 0,
): WindowState {
  const w = emptyWindow();
  for (let i = 0; i < count; i++) {
    for (const deviceId of devices) {
      addToWindow(w, reference, {
        deviceId,
        timestamp: start + i,
        qualityType: 'L',
        values: [1, 2, 3],
        sensors: [air(deviceId, start + i), 310, 1500, start + i, start + i],
      });
    }
  }
  return w;
}

/** Runs windows through the check, returning the transitions of each and the final memory. */
function run(windows: WindowState[], recoverWindows = 3) {
  let memory: Record<string, DeviceSensorMemory> = {};
  const steps = windows.map((w, k) => {
    const out = stepStuckSensors(w, memory, thresholds, recoverWindows, k + 1);
    memory = out.devices;
    return out.transitions;
  });
  return { steps, memory };
}

describe('stuck-sensor check', () => {
  it('joins a run across windows and flags the device once it reaches the threshold', () => {
    // M-3 repeats 300.5 from the start; M-1 and M-2 move every reading. 4 readings per window: 10 are
    // reached in the third window.
    const air = (d: string, i: number) => (d === 'M-3' ? 300.5 : 300 + i / 10);
    const { steps, memory } = run([0, 4, 8, 12].map((s) => window(['M-1', 'M-2', 'M-3'], 4, air, s)));
    expect(steps[0]).toEqual([]);
    expect(steps[1]).toEqual([]);
    expect(steps[2]).toEqual([
      {
        deviceId: 'M-3',
        detailType: 'SensorStuck',
        sensors: [{ sensor: 'airTemperatureK', value: 300.5, run: 12, runThreshold: 10 }],
        readings: 4,
        stuckWindows: 1,
      },
    ]);
    // Flagged once: the run goes on, no second event.
    expect(steps[3]).toEqual([]);
    expect(stuckSensorsOf(memory, thresholds)).toEqual([
      { deviceId: 'M-3', sensor: 'airTemperatureK', value: 300.5, run: 16, runThreshold: 10, windows: 2 },
    ]);
  });

  it('flags a run inside one window, and recovers after K clean windows of the device (hysteresis)', () => {
    const stuckFor = (from: number, to: number) => (_: string, i: number) =>
      i >= from && i < to ? 299.9 : 300 + i;
    const windows = [
      window(['M-1'], 20, stuckFor(5, 17), 0), // a run of 12 inside the window
      window(['M-1'], 20, stuckFor(5, 17), 20),
      window(['M-1'], 20, stuckFor(5, 17), 40),
      window(['M-1'], 20, stuckFor(5, 17), 60),
    ];
    const { steps } = run(windows, 3);
    expect(steps[0]?.map((t) => [t.detailType, t.sensors[0]?.run])).toEqual([['SensorStuck', 12]]);
    expect(steps[1]).toEqual([]);
    expect(steps[2]).toEqual([]);
    expect(steps[3]?.map((t) => [t.detailType, t.sensors[0]?.sensor, t.stuckWindows])).toEqual([
      ['SensorRecovered', 'airTemperatureK', 4],
    ]);
  });

  it('never flags a sensor the calibration has no threshold for, and forgets devices gone quiet', () => {
    const w = emptyWindow();
    for (let i = 0; i < 50; i++) {
      addToWindow(w, reference, {
        deviceId: 'M-9',
        timestamp: i,
        qualityType: 'H',
        values: [1, 2, 3],
        // Process temperature and speed stuck for 50 readings: neither has a threshold here.
        sensors: [300 + i, 310, 1500, 40 + i, i],
      });
    }
    const first = stepStuckSensors(w, {}, thresholds, 3, 1);
    expect(first.transitions).toEqual([]);
    expect(first.devices['M-9']?.tail[1]).toEqual([310, 50]);
    const later = stepStuckSensors(emptyWindow(), first.devices, thresholds, 3, 5000);
    expect(later.devices['M-9']).toBeUndefined();
  });
});
