import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  calibrateOnHistory,
  historyPolicy,
  historyWindowRanges,
} from '../../../app/drift/historyCalibration.js';
import { HISTORY_MACHINE, historyFromCsv } from '../../../app/drift/historyReadings.js';
import { createDriftCore, type DriftCore } from '../../../processors/drift/core.js';
import { modelEngineerFor } from '../../../processors/drift/modelFeatures.js';
import { loadDriftReference } from '../../../processors/drift/reference.js';
import { emptyWindow } from '../../../processors/drift/window.js';
import type { SensorReading } from '../../../schemas/reading.js';
import { toAi4iCsv } from '../../../stream/simulator/csv.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import { fleetCalibration } from '../../processors/drift/fixtures.js';

const TRAINING_CSV = new URL('../../../../shared/data/ai4i2020-train.csv', import.meta.url);
const reference = loadDriftReference();
const engineer = modelEngineerFor(reference);
const history = historyFromCsv(readFileSync(TRAINING_CSV, 'utf8'));
const policy = historyPolicy(history);

/** Runs a monitor over the history in its own order from row `from`, windows of 1,000; returns what each window raised. */
function replay(core: DriftCore, from: number, shift?: { fromRow: number; nm: number }) {
  let state = core.initialState();
  const out: { from: number; alarm: boolean }[] = [];
  for (let s = from, seq = 1; s + 1000 <= history.readings.length; s += 1000, seq++) {
    const window = emptyWindow();
    for (let i = s; i < s + 1000; i++) {
      const r = history.readings[i] as SensorReading;
      core.add(window, shift && i >= shift.fromRow ? { ...r, torqueNm: r.torqueNm + shift.nm } : r);
    }
    const e = core.evaluate({ seq, start: s, end: s + 999, state: window, terminatedEarly: false }, state);
    state = e.state;
    out.push({ from: s, alarm: e.events.some((x) => x.detailType === 'FeatureDriftDetected') });
  }
  return out;
}

describe('a reference file as a time-ordered history', () => {
  it('reads the AI4I layout as one machine (every Product ID new) and a simulated fleet as its machines', () => {
    expect(history.readings).toHaveLength(8000);
    expect(history.machines).toBe(1);
    expect(history.readings[0]).toMatchObject({ deviceId: HISTORY_MACHINE, timestamp: 0, torqueNm: 42.8 });
    expect(policy).toEqual({ minScopeDevices: 1 });
    const fleet = historyFromCsv(
      toAi4iCsv(createSimulator({ machines: 12, seed: 1, startTime: 0, intervalMs: 1000 }).take(240)),
    );
    expect(fleet.machines).toBe(12);
    expect(new Set(fleet.readings.map((r) => r.deviceId)).size).toBe(12);
    expect(historyPolicy(fleet)).toEqual({});
  });

  it('cuts consecutive windows from every phase, inside the segments it is given', () => {
    const ranges = historyWindowRanges(3500, 1000, {
      stride: 250,
      segments: [
        [0, 2600],
        [3000, 3500],
      ],
    });
    expect(ranges).toEqual([
      [
        [0, 1000],
        [1000, 2000],
      ],
      [
        [250, 1250],
        [1250, 2250],
      ],
      [
        [500, 1500],
        [1500, 2500],
      ],
      [[750, 1750]],
    ]);
  });
});

describe('calibration on the training file in its own order, checked on a held-out stretch', () => {
  // Rows 6,001-8,000 held out: calibrated on the first 6,000 rows only.
  const calibration = calibrateOnHistory({
    core: createDriftCore({ reference, engineer, policy }),
    history,
    windowRecords: 1000,
    segments: [[0, 6000]],
    source: 'test: rows 1-6000',
  });
  const core = createDriftCore({ reference, engineer, calibration, policy });
  const heldOut = (w: { from: number }) => w.from >= 6000;
  const phases = Array.from({ length: 10 }, (_, k) => k * 100);

  it('raises no alarm on the held-out windows from any phase, where a simulator-calibrated monitor does', () => {
    const verdicts = phases.flatMap((p) => replay(core, p).filter(heldOut));
    expect(verdicts.length).toBeGreaterThanOrEqual(11);
    expect(verdicts.filter((v) => v.alarm)).toEqual([]);
    // The monitor as it was: thresholds from a stationary simulated fleet (the 9 of 10 windows).
    const simulated = createDriftCore({
      reference,
      engineer,
      calibration: fleetCalibration(reference),
      policy,
    });
    const alarms = phases.flatMap((p) => replay(simulated, p)).filter((v) => v.alarm);
    expect(alarms.length).toBeGreaterThan(0);
  });

  it('detects +1 sd of torque from the first held-out row within 2 windows, never before it', () => {
    const torqueSd = reference.features.find((f) => f.name === 'torque_nm')?.std ?? 0;
    const delays = phases.map((p) => {
      const shifted = replay(core, p, { fromRow: 6000, nm: torqueSd });
      // 1 = the first window holding shifted readings.
      const firstShifted = shifted.findIndex((w) => w.from + 1000 > 6000);
      return shifted.findIndex((w) => w.alarm) - firstShifted + 1;
    });
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(1);
    for (const d of delays) expect(d).toBeLessThanOrEqual(2);
    // From a window boundary (phase 0) the first shifted window is all shifted: caught at once.
    expect(delays[0]).toBe(1);
  });

  it("measures the stuck-sensor thresholds on the machine's readings in order", () => {
    // Air temperature repeats itself about every other reading in the file (0.1 K steps of a slow walk).
    expect(calibration.sensors.airTemperatureK?.repeatRate).toBeGreaterThan(0.4);
    expect(calibration.sensors.airTemperatureK?.runThreshold).toBeGreaterThan(20);
    expect(calibration.sensors.torqueNm?.runThreshold).toBe(5);
    expect(calibration.sensors.toolWearMin?.repeatRate).toBe(0);
  });
});
