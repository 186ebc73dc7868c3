import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import { calibrate } from '../../../processors/drift/calibration.js';
import { createDriftCore } from '../../../processors/drift/core.js';
import { modelEngineerFor } from '../../../processors/drift/modelFeatures.js';
import {
  DEFAULT_ARTIFACTS_DIR,
  loadDriftReference,
  parseDriftReference,
} from '../../../processors/drift/reference.js';
import type { ClosedWindow, DriftEvent, MonitorState } from '../../../processors/drift/types.js';
import { emptyWindow } from '../../../processors/drift/window.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import type { DriftInjection } from '../../../stream/simulator/types.js';
import { validateJsonSchema } from './jsonSchema.js';

const reference = loadDriftReference();
const engineer = modelEngineerFor(reference);
const schema = JSON.parse(
  readFileSync(new URL('../../../schemas/drift-event.schema.json', import.meta.url), 'utf8'),
);
const artifact = (file: string): string => readFileSync(join(DEFAULT_ARTIFACTS_DIR, file), 'utf8');

/** Consecutive closed windows of 1,000 readings from a 50-machine simulated fleet. */
function simulatedWindows(count: number, seed: number, drift: DriftInjection[] = []): ClosedWindow[] {
  const sim = createSimulator({ machines: 50, seed, startTime: 0, intervalMs: 1000, drift });
  const core = createDriftCore({ reference, engineer });
  return Array.from({ length: count }, (_, i) => {
    const state = emptyWindow();
    for (let r = 0; r < 1000; r++) core.add(state, sim.next().reading);
    return { seq: i + 1, start: i * 20_000, end: (i + 1) * 20_000, state, terminatedEarly: false };
  });
}

function expectMismatch(run: () => unknown, message: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PfmError);
    expect((error as PfmError).code).toBe('MODEL_MISMATCH');
    expect((error as PfmError).message).toMatch(message);
    return;
  }
  throw new Error('expected a MODEL_MISMATCH');
}

describe('reference checks', () => {
  it('loads the shipped reference, tied to the shipped model', () => {
    expect(reference.features.map((f) => f.name)).toEqual(artifact('features.txt').trim().split('\n'));
    expect(reference.modelVersion).toBe(reference.modelSha256.slice(0, 12));
    // The quality ordinal has tied deciles: its 10 bins collapse to the 3 categories.
    expect(reference.features.find((f) => f.name === 'quality_type_ordinal')?.groupProportions).toHaveLength(
      3,
    );
  });

  it('refuses a reference that does not match the model', () => {
    const sources = {
      referenceJson: artifact('reference.json'),
      featuresTxt: artifact('features.txt'),
      scalerJson: artifact('scaler.json'),
    };
    const lines = sources.featuresTxt.trim().split('\n');
    expectMismatch(
      () => parseDriftReference({ ...sources, featuresTxt: [...lines].reverse().join('\n') }),
      /does not match the model's features\.txt/,
    );
    expectMismatch(
      () => parseDriftReference({ ...sources, featuresTxt: lines.slice(1).join('\n') }),
      /does not match/,
    );
    expectMismatch(
      () => parseDriftReference({ ...sources, modelSha256: 'f'.repeat(64) }),
      /was made for model .* but model\.onnx is ffffffffffff/,
    );
    const scaler = JSON.parse(sources.scalerJson);
    scaler.mean[3] += 1;
    expectMismatch(
      () => parseDriftReference({ ...sources, scalerJson: JSON.stringify(scaler) }),
      /disagree on "torque_nm"/,
    );
  });

  it('refuses to start from an artifacts directory whose reference belongs to other features', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfm-drift-ref-'));
    cpSync(DEFAULT_ARTIFACTS_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'features.txt'), 'air_temperature_k\ntorque_nm\n');
    expectMismatch(() => loadDriftReference(dir), /the model takes \[air_temperature_k, torque_nm\]/);
  });

  it('refuses a calibration measured against another reference, and feature code that computes other features', () => {
    const windows = simulatedWindows(60, 5).map((w) => w.state);
    const calibration = calibrate([windows], reference, { source: 'test', windowRecords: 1000 });
    expectMismatch(
      () =>
        createDriftCore({
          reference,
          engineer,
          calibration: { ...calibration, referenceStatisticsSha256: '0'.repeat(64) },
        }),
      /recalibrate/,
    );
    const renamed = {
      ...reference,
      features: reference.features.map((f, j) => (j === 0 ? { ...f, name: 'air' } : f)),
    };
    expectMismatch(() => modelEngineerFor(renamed), /model\/features\.ts computes/);
  });
});

describe('drift core', () => {
  // Calibrated on a stationary fleet of another seed: iid theory alarms on the slowly moving temperatures.
  const calibration = calibrate([simulatedWindows(500, 3).map((w) => w.state)], reference, {
    source: 'test: stationary simulator seed 3',
    windowRecords: 1000,
  });
  const shifted = simulatedWindows(12, 11, [
    // +1 sd of torque from window 5 on (20 s per window), gone again from window 9.
    { feature: 'torqueNm', kind: 'offset', amount: 10, fromTime: 4 * 20_000 },
    { feature: 'torqueNm', kind: 'offset', amount: -10, fromTime: 8 * 20_000 },
  ]);

  function runAll(windows: ClosedWindow[]): { events: DriftEvent[]; states: string[]; final: MonitorState } {
    const core = createDriftCore({ reference, engineer, calibration, policy: { k: 3 } });
    let state = core.initialState();
    const events: DriftEvent[] = [];
    const states: string[] = [];
    for (const w of windows) {
      const e = core.evaluate(w, state);
      state = e.state;
      events.push(...e.events);
      states.push(state.scopes.fleet?.state ?? '-');
    }
    return { events, states, final: state };
  }

  it('detects a 1 sd torque shift in its first window, names torque, and resolves after K clean windows', () => {
    const { events, states } = runAll(shifted);
    const fleet = events.filter((e) => e.detail.scope.kind === 'fleet');
    expect(fleet.map((e) => [e.detailType, e.detail.window.seq])).toEqual([
      ['FeatureDriftDetected', 5],
      ['ModelRetrainingRecommended', 5],
      ['DriftResolved', 11],
    ]);
    const detected = fleet[0]?.detail;
    expect(detected?.decision).toMatchObject({ state: 'DRIFT', previousState: 'OK', severity: 'high' });
    expect(detected?.topFeatures.slice(0, 3).map((f) => f.feature)).toContain('torque_nm');
    const torque = detected?.topFeatures.find((f) => f.feature === 'torque_nm');
    expect(torque?.meanShift).toBeGreaterThan(0.9);
    expect(torque?.breached).toContain('mean');
    expect(states.slice(4, 8)).toEqual(['DRIFT', 'DRIFT', 'DRIFT', 'DRIFT']);
  });

  it('tests an indicator feature on its rate, not its variance; a flat continuous feature still breaches variance', () => {
    // Process temperature always 10 K above air: temperature_delta_k is flat (variance 0: a real variance
    // breach) and delta_below_hdf_limit (dT < 8.6 K) is never 1. An indicator's variance follows from its rate,
    // so an all-zero window is judged by its mean and PSI only, never by a variance ratio of 0.
    const sim = createSimulator({ machines: 50, seed: 5, startTime: 0, intervalMs: 1000 });
    const core = createDriftCore({ reference, engineer, calibration });
    const state = emptyWindow();
    for (let r = 0; r < 1000; r++) {
      const { reading } = sim.next();
      core.add(state, { ...reading, processTemperatureK: reading.airTemperatureK + 10 });
    }
    const window: ClosedWindow = { seq: 1, start: 0, end: 20_000, state, terminatedEarly: false };
    const fleet = core.evaluate(window, core.initialState()).scores.fleet ?? [];
    const indicator = fleet.find((s) => s.feature === 'delta_below_hdf_limit');
    expect(indicator?.varianceRatio).toBeLessThan(1e-9);
    expect(indicator).toMatchObject({ pVariance: 1, zVariance: 0 });
    expect(indicator?.sequential.variance).toBe(0);
    expect(indicator?.breached).not.toContain('variance');
    const flat = fleet.find((s) => s.feature === 'temperature_delta_k');
    expect(flat?.varianceRatio).toBeLessThan(1e-9);
    expect(flat?.breached).toContain('variance');
  });

  it('without calibration (iid theory), the same stationary windows alarm: the fleet is not iid', () => {
    const core = createDriftCore({ reference, engineer });
    const e = core.evaluate(shifted[0] as ClosedWindow, core.initialState());
    const breached = e.scores.fleet?.filter((s) => s.breached.length > 0).map((s) => s.feature) ?? [];
    expect(breached).toEqual(expect.arrayContaining(['air_temperature_k', 'process_temperature_k']));
    expect(breached).not.toContain('torque_nm');
  });

  it('emits events that validate against schemas/drift-event.schema.json', () => {
    const { events } = runAll(shifted);
    expect(new Set(events.map((e) => e.detailType))).toEqual(
      new Set(['FeatureDriftDetected', 'ModelRetrainingRecommended', 'DriftResolved']),
    );
    for (const event of events) {
      expect(validateJsonSchema(schema, event.detail)).toEqual([]);
      expect(event.source).toBe('pfm.drift');
      expect(event.time).toBe(event.detail.window.end);
    }
  });

  it('the validator catches a malformed detail', () => {
    const { events } = runAll(shifted);
    const detail = structuredClone(events[0]?.detail) as unknown as Record<string, unknown>;
    delete detail.model;
    (detail.decision as Record<string, unknown>).state = 'BROKEN';
    (detail.topFeatures as Record<string, unknown>[])[0] = { feature: 'x' };
    const problems = validateJsonSchema(schema, detail);
    expect(problems).toContain('$: missing "model"');
    expect(problems.some((p) => p.startsWith('$.decision.state'))).toBe(true);
    expect(problems.some((p) => p.startsWith('$.topFeatures[0]: missing "psi"'))).toBe(true);
  });

  it('evaluating a window again (a redelivery) changes nothing and emits nothing', () => {
    const core = createDriftCore({ reference, engineer, calibration });
    let state = core.initialState();
    for (const w of shifted.slice(0, 5)) state = core.evaluate(w, state).state;
    const again = core.evaluate(shifted[4] as ClosedWindow, state);
    expect(again).toMatchObject({ applied: false, events: [], rows: [] });
    expect(again.state).toBe(state);
  });

  it('the same window and decision memory always give the same event ids', () => {
    const a = runAll(shifted).events.map((e) => e.detail.eventId);
    const b = runAll(shifted).events.map((e) => e.detail.eventId);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
  });

  it('writes one score row per scored scope and feature, with the state after the window', () => {
    const core = createDriftCore({ reference, engineer, calibration });
    const e = core.evaluate(shifted[0] as ClosedWindow, core.initialState());
    // fleet: every model feature; quality L and M (30 and 14-15 machines): all but the quality type each; H has
    // too few machines to score.
    const features = reference.features.length;
    expect(e.rows.filter((r) => r.scope === 'fleet')).toHaveLength(features);
    expect(e.rows.filter((r) => r.scope === 'quality:L')).toHaveLength(features - 1);
    expect(e.rows.filter((r) => r.scope === 'quality:H')).toHaveLength(0);
    expect(
      e.rows.every(
        (r) => r.state === 'OK' && r.windowEnd === 20_000 && r.modelVersion === reference.modelVersion,
      ),
    ).toBe(true);
  });
});
