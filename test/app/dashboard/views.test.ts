import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendSample,
  driftView,
  eventsView,
  featureLabel,
  fleetView,
  machineDetailView,
  machinesView,
  parseEventLines,
  riskLevel,
  runningMean,
  statusView,
} from '../../../app/dashboard/views.js';
import type { FleetBucket, MachinePoint, MachineRisk, StoreCounts } from '../../../processors/store/types.js';
import { driftEvent, driftRow, featureScore, progress, reference, snapshot, T0 } from './fixtures.js';

const counts: StoreCounts = {
  predictions: 2970,
  quarantined: 30,
  quarantinedByCode: { BAD_MARKER: 30 },
  predictedFailures: 120,
  predictedByMode: { TWF: 10, HDF: 20, PWF: 30, OSF: 40, RNF: 0 },
  devices: 20,
};

function point(i: number, overrides: Partial<MachinePoint> = {}): MachinePoint {
  return {
    time: T0 + i * 1000,
    risk: 0.1 * i,
    probabilities: { TWF: 0.1 * i, HDF: 0, PWF: 0, OSF: 0, RNF: 0 },
    failure: false,
    readings: {
      airTemperatureK: 300,
      processTemperatureK: 310.25,
      rotationalSpeedRpm: 1500,
      torqueNm: 40 + i,
      toolWearMin: 10 * i,
    },
    ...overrides,
  };
}

describe('riskLevel', () => {
  it.each([
    [0, 'normal'],
    [0.19, 'normal'],
    [0.2, 'elevated'],
    [0.49, 'elevated'],
    [0.5, 'high'],
    [1, 'high'],
  ] as const)('%f is %s', (risk, level) => {
    expect(riskLevel(risk)).toBe(level);
  });
});

describe('featureLabel', () => {
  it('names known features with their unit and passes unknown ones through', () => {
    expect(featureLabel('torque_nm')).toEqual({ label: 'Torque', unit: 'Nm' });
    expect(featureLabel('vibration_g')).toEqual({ label: 'vibration_g', unit: '' });
  });
});

describe('runningMean', () => {
  it('averages over fewer values at the start, then over the window', () => {
    expect(runningMean([2, 4, 6, 8], 2)).toEqual([2, 3, 5, 7]);
    expect(runningMean([], 20)).toEqual([]);
  });

  it('equals the mean of the last `window` values at every index', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 25 }),
        (values, window) => {
          const got = runningMean(values, window);
          values.forEach((_, i) => {
            const slice = values.slice(Math.max(0, i - window + 1), i + 1);
            expect(got[i]).toBeCloseTo(slice.reduce((a, b) => a + b, 0) / slice.length, 9);
          });
        },
      ),
    );
  });
});

describe('appendSample', () => {
  it('adds a new report, skips a repeated one and an absent one, and keeps the newest `max`', () => {
    let samples = appendSample([], undefined, 1, 3);
    expect(samples).toEqual([]);
    samples = appendSample(samples, progress({ elapsedMs: 500 }), 1, 3);
    samples = appendSample(samples, progress({ elapsedMs: 500 }), 2, 3);
    expect(samples.map((s) => s.at)).toEqual([1]);
    for (const [i, elapsedMs] of [1000, 1500, 2000].entries()) {
      samples = appendSample(samples, progress({ elapsedMs, recordsPerSecond: elapsedMs }), 10 + i, 3);
    }
    expect(samples.map((s) => s.elapsedMs)).toEqual([1000, 1500, 2000]);
    expect(samples[2]).toEqual({
      at: 12,
      elapsedMs: 2000,
      recordsPerSecond: 2000,
      lagRecords: 94,
      lagMs: 40,
    });
  });
});

describe('statusView', () => {
  it('shows live counters and the sampled history while a pipeline runs', () => {
    const view = statusView({
      live: true,
      progress: progress(),
      counts,
      samples: [{ at: 2000, elapsedMs: 1, recordsPerSecond: 5, lagRecords: 6, lagMs: 7 }],
      deadLetters: 99,
      dataDir: '/d',
      now: 3000,
    });
    expect(view.mode).toBe('live');
    expect(view.running).toBe(true);
    expect(view.pipeline).toMatchObject({
      produced: 1000,
      scored: 900,
      quarantined: 5,
      deadLettered: 1,
      recordsPerSecond: 950,
      lagRecords: 94,
      devices: 20,
      quarantinedByCode: { BAD_MARKER: 30 },
    });
    expect(view.history).toEqual({
      time: [2],
      recordsPerSecond: [5],
      lagRecords: [6],
      lagMs: [7],
    });
    expect(
      statusView({
        live: true,
        progress: progress({ done: true }),
        counts,
        samples: [],
        deadLetters: 0,
        dataDir: '/d',
        now: 0,
      }).running,
    ).toBe(false);
  });

  it('shows the store counts and the dead-letter file for a finished run', () => {
    const view = statusView({
      live: false,
      progress: undefined,
      counts,
      samples: [],
      deadLetters: 3,
      dataDir: '/d',
      now: 0,
    });
    expect(view.mode).toBe('finished');
    expect(view.running).toBe(false);
    expect(view.pipeline).toMatchObject({
      produced: null,
      scored: 2970,
      quarantined: 30,
      deadLettered: 3,
      predictedFailures: 120,
      recordsPerSecond: null,
      lagRecords: null,
    });
  });
});

describe('machinesView', () => {
  it('keeps the store ranking and bands each machine', () => {
    const risk = (deviceId: string, r: number) => ({ deviceId, risk: r }) as MachineRisk;
    const view = machinesView([risk('M-2', 0.7), risk('M-1', 0.3), risk('M-3', 0.01)], 20);
    expect(view.window).toBe(20);
    expect(view.machines.map((m) => [m.deviceId, m.level])).toEqual([
      ['M-2', 'high'],
      ['M-1', 'elevated'],
      ['M-3', 'normal'],
    ]);
  });
});

describe('machineDetailView', () => {
  it('gives chart columns in epoch seconds, running means, alarm markers and the temperature difference', () => {
    const points = [point(0), point(1, { failure: true }), point(2), point(3)];
    const view = machineDetailView('M-0001', points, 2);
    expect(view.points).toBe(4);
    expect(view.alarms).toBe(1);
    expect(view.columns.time).toEqual([0, 1, 2, 3].map((i) => T0 / 1000 + i));
    expect(view.columns.alarm).toEqual([null, 0.1, null, null]);
    expect(view.columns.riskMean.map((x) => Number(x.toFixed(6)))).toEqual([0, 0.05, 0.15, 0.25]);
    expect(view.columns.modeMeans.TWF.map((x) => Number(x.toFixed(6)))).toEqual([0, 0.05, 0.15, 0.25]);
    expect(view.columns.modeMeans.HDF).toEqual([0, 0, 0, 0]);
    expect(view.columns.temperatureDeltaK).toEqual([10.25, 10.25, 10.25, 10.25]);
    expect(view.columns.torqueNm).toEqual([40, 41, 42, 43]);
  });
});

describe('fleetView', () => {
  it('turns buckets into columns and totals the alarms by mode', () => {
    const bucket = (i: number, alarms: number): FleetBucket => ({
      start: T0 + i * 60_000,
      end: T0 + (i + 1) * 60_000,
      predictions: 100,
      devices: 5,
      meanRisk: 0.1 * i,
      peakRisk: 0.9,
      alarms,
      alarmsByMode: { TWF: alarms, HDF: 1, PWF: 0, OSF: 0, RNF: 0 },
    });
    const view = fleetView([bucket(0, 2), bucket(2, 3)]);
    expect(view.columns.time).toEqual([T0 / 1000, T0 / 1000 + 120]);
    expect(view.columns.alarms).toEqual([2, 3]);
    expect(view.alarmsByMode).toEqual({ TWF: 5, HDF: 2, PWF: 0, OSF: 0, RNF: 0 });
  });
});

describe('driftView', () => {
  const rows = [0, 1, 2].flatMap((w) => [
    driftRow(w, 'tool_wear_min'),
    driftRow(w, 'torque_nm', w === 2 ? { meanShift: 0.8, breached: true, state: 'DRIFT' } : {}),
    driftRow(w, 'power_w'),
    driftRow(w, 'torque_nm', { scope: 'quality:L', meanShift: 5 }),
  ]);
  const history = {
    available: true,
    scopes: [
      { scope: 'fleet', state: 'DRIFT' as const, windowEnd: T0 + 30_000, windows: 3 },
      { scope: 'quality:L', state: 'WARN' as const, windowEnd: T0 + 30_000, windows: 3 },
    ],
    rows,
  };

  it('makes one panel per reference feature, in reference order, then any other scored feature', () => {
    const view = driftView({ history, reference: reference(), snapshot: undefined });
    expect(view.available).toBe(true);
    expect(view.fleet).toBe('DRIFT');
    expect(view.windows).toBeNull();
    expect(view.panels.map((p) => p.feature)).toEqual(['torque_nm', 'tool_wear_min', 'power_w']);
    const torque = view.panels[0];
    // The fleet scope only: the quality:L rows of the same feature are not mixed in.
    expect(torque?.series.meanShift).toEqual([0, 0.01, 0.8]);
    expect(torque?.series.breachedShift).toEqual([null, null, 0.8]);
    expect(torque?.series.time).toEqual([T0 / 1000 + 10, T0 / 1000 + 20, T0 / 1000 + 30]);
    expect(torque?.label).toBe('Torque');
    expect(torque?.reference).toEqual({ mean: 40, std: 10 });
    // In the feature's own units: 40 Nm + 0.8 sd of 10 Nm.
    expect(torque?.latest).toMatchObject({ meanShift: 0.8, mean: 48, breached: true, tests: [] });
    expect(view.panels[2]?.reference).toBeNull();
    expect(view.panels[2]?.latest?.mean).toBeNull();
  });

  it('takes state, window progress and the tests that fired from the live monitor', () => {
    const live = snapshot({
      fleet: 'WARN',
      scopes: { 'quality:L': { state: 'DRIFT', windowsInState: 1, suppressed: 0 } },
      features: [featureScore('torque_nm', ['mean', 'psi'])],
      windows: {
        evaluated: 3,
        windowRecords: 500,
        openRecords: 120,
        lastWindow: { seq: 3, start: T0 + 20_000, end: T0 + 30_000, records: 500 },
      },
    });
    const view = driftView({ history, reference: reference(), snapshot: live });
    expect(view.fleet).toBe('WARN');
    expect(view.scopes).toEqual([
      { scope: 'fleet', state: 'DRIFT', windows: 3 },
      { scope: 'quality:L', state: 'DRIFT', windows: 3 },
    ]);
    expect(view.windows).toEqual({ evaluated: 3, windowRecords: 500, openRecords: 120 });
    expect(view.panels[0]?.latest?.tests).toEqual(['mean', 'psi']);
    // Tests of another window than the store's latest are not attributed to it.
    const ahead = snapshot({
      features: [featureScore('torque_nm', ['mean'])],
      windows: { ...live.windows, lastWindow: { seq: 4, start: 0, end: T0 + 40_000, records: 500 } },
    });
    expect(driftView({ history, reference: reference(), snapshot: ahead }).panels[0]?.latest?.tests).toEqual(
      [],
    );
  });

  it('says unavailable without a drift table or monitor, with the reference features still listed', () => {
    const view = driftView({
      history: { available: false, scopes: [], rows: [] },
      reference: reference(),
      snapshot: undefined,
    });
    expect(view.available).toBe(false);
    expect(view.fleet).toBeNull();
    expect(view.panels.map((p) => [p.feature, p.latest, p.series.time.length])).toEqual([
      ['torque_nm', null, 0],
      ['tool_wear_min', null, 0],
    ]);
    // A live monitor before its first window: available, no state yet.
    const starting = driftView({
      history: { available: false, scopes: [], rows: [] },
      reference: null,
      snapshot: snapshot({
        windows: { evaluated: 0, windowRecords: 500, openRecords: 10, lastWindow: null },
      }),
    });
    expect(starting.available).toBe(true);
    expect(starting.fleet).toBeNull();
  });
});

describe('eventsView', () => {
  it('lists events newest first, keeps the publishing order within a window, and counts them by type', () => {
    const events = [
      driftEvent(4),
      driftEvent(4, 'ModelRetrainingRecommended'),
      driftEvent(5, 'FeatureDriftDetected', { kind: 'qualityType', id: 'L' }, ['WARN', 'DRIFT']),
      driftEvent(9, 'DriftResolved', { kind: 'fleet', id: 'fleet' }, ['DRIFT', 'OK']),
    ];
    const view = eventsView(events, 3);
    expect(view.total).toBe(4);
    expect(view.byType).toEqual({
      FeatureDriftDetected: 2,
      ModelRetrainingRecommended: 1,
      DriftResolved: 1,
      SensorStuck: 0,
      SensorRecovered: 0,
    });
    expect(view.events.map((e) => [e.windowSeq, e.type, e.scope, `${e.from}>${e.to}`])).toEqual([
      [9, 'DriftResolved', 'fleet', 'DRIFT>OK'],
      [5, 'FeatureDriftDetected', 'quality:L', 'WARN>DRIFT'],
      [4, 'ModelRetrainingRecommended', 'fleet', 'OK>DRIFT'],
    ]);
    expect(view.events[0]).toMatchObject({
      id: 'event-9-DriftResolved-fleet',
      time: T0 + 90_000,
      severity: 'high',
      rule: 'cusum',
      features: [
        { feature: 'torque_nm', label: 'Torque', meanShift: 0.8, psi: 0.3, breached: ['mean', 'psi'] },
      ],
    });
  });
});

describe('parseEventLines', () => {
  it('keeps complete events and skips blank, malformed, torn and foreign lines', () => {
    const a = JSON.stringify(driftEvent(1));
    const b = JSON.stringify(driftEvent(2));
    const text = `${a}\n\n{"not":"an event"}\nnot json\n${b}\n${b.slice(0, 20)}`;
    expect(parseEventLines(text).map((e) => e.detail.window.seq)).toEqual([1, 2]);
  });
});
