import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { driftLimitsSource, featureLimits, readDriftLimits } from '../../../app/pipeline/driftLimits.js';
import { createDriftCore } from '../../../processors/drift/core.js';
import { modelEngineerFor } from '../../../processors/drift/modelFeatures.js';
import { loadDriftReference } from '../../../processors/drift/reference.js';
import { emptyWindow } from '../../../processors/drift/window.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import type { DriftInjection } from '../../../stream/simulator/types.js';
import { fleetCalibration } from '../../processors/drift/fixtures.js';

const reference = loadDriftReference();
const calibration = fleetCalibration(reference, 120);
const core = createDriftCore({ reference, engineer: modelEngineerFor(reference), calibration });
const source = driftLimitsSource(core, calibration);

/** One fleet window of `n` readings with the given sensor faults, scored by the monitor itself. */
function scoredWindow(seed: number, n: number, drift: DriftInjection[]) {
  const sim = createSimulator({ machines: 50, seed, startTime: 0, intervalMs: 1000, drift });
  const window = emptyWindow();
  for (let i = 0; i < n; i++) core.add(window, sim.next().reading);
  const evaluation = core.evaluate(
    { seq: 1, start: 0, end: n * 20, state: window, terminatedEarly: false },
    core.initialState(),
  );
  return evaluation.scores.fleet ?? [];
}

describe('drift limits', () => {
  it("agree with the monitor's own breach decisions: a statistic breaches exactly when it is past its limit", () => {
    const cases: DriftInjection[][] = [
      [],
      [{ feature: 'torqueNm', kind: 'offset', amount: 0.5, fromTime: 0 }],
      [{ feature: 'torqueNm', kind: 'offset', amount: 1.5, fromTime: 0 }],
      [{ feature: 'torqueNm', kind: 'offset', amount: 4, fromTime: 0 }],
      [{ feature: 'torqueNm', kind: 'noise', amount: 4, fromTime: 0 }],
      [{ feature: 'torqueNm', kind: 'noise', amount: 9, fromTime: 0 }],
      [{ feature: 'rotationalSpeedRpm', kind: 'scale', amount: 1.05, fromTime: 0 }],
      [{ feature: 'airTemperatureK', kind: 'offset', amount: -1, fromTime: 0 }],
    ];
    let breaches = 0;
    let clean = 0;
    for (const [i, drift] of cases.entries()) {
      for (const n of [400, 1000]) {
        for (const s of scoredWindow(100 + i, n, drift)) {
          const limits = featureLimits(source, 'fleet', s.feature, s.n);
          expect(limits, s.feature).toBeDefined();
          if (!limits) continue;
          expect(s.breached.includes('mean'), `${s.feature} mean ${s.meanShift} vs ${limits.meanShift}`).toBe(
            Math.abs(s.meanShift) > limits.meanShift,
          );
          // An indicator's variance is reported, not tested (its spread is fixed by its mean): no limits.
          const varianceLimits = limits.varianceRatio;
          expect(varianceLimits === null, s.feature).toBe(s.feature === 'delta_below_hdf_limit');
          expect(s.breached.includes('variance'), `${s.feature} variance ${s.varianceRatio}`).toBe(
            varianceLimits !== null &&
              (s.varianceRatio < varianceLimits[0] || s.varianceRatio > varianceLimits[1]),
          );
          expect(s.breached.includes('psi'), `${s.feature} psi ${s.psi} vs ${limits.psi}`).toBe(
            limits.psi !== null && s.psi > limits.psi,
          );
          if (s.breached.some((t) => t !== 'cusum')) breaches++;
          else clean++;
        }
      }
    }
    // Both sides of the limits were exercised.
    expect(breaches).toBeGreaterThan(5);
    expect(clean).toBeGreaterThan(50);
  });

  it('tighten as windows grow: a bigger window tells a smaller shift from noise', () => {
    const small = featureLimits(source, 'fleet', 'torque_nm', 250);
    const big = featureLimits(source, 'fleet', 'torque_nm', 2000);
    expect(big?.meanShift).toBeLessThan(small?.meanShift ?? 0);
    expect(big?.psi).toBeLessThan(small?.psi ?? 0);
    expect(big?.varianceRatio?.[0]).toBeGreaterThan(small?.varianceRatio?.[0] ?? 1);
    expect(featureLimits(source, 'fleet', 'no_such_feature', 1000)).toBeUndefined();
    expect(featureLimits(source, 'quality:L', 'torque_nm', 1000)).toBeUndefined();
  });

  it('round-trips through the file a run keeps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfm-limits-'));
    try {
      const path = join(dir, 'drift-limits.json');
      writeFileSync(path, JSON.stringify(source));
      expect(readDriftLimits(path)).toEqual(source);
      expect(readDriftLimits(join(dir, 'missing.json'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
