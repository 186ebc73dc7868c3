import { describe, expect, it } from 'vitest';
import {
  aucAhead,
  calibrate,
  fitCalibration,
  fitLogitShift,
} from '../../../processors/forecast/calibration.js';
import { streamKey, unitAt } from '../../../processors/forecast/random.js';

describe('forecast calibration', () => {
  it('undoes an up-weighting of failures: the fitted divisor is the weight', () => {
    // True probabilities q; a model trained with failures weighted 30x outputs odds 30x too high.
    const n = 20_000;
    const key = streamKey(1, 1);
    const p = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const q = 0.002 + 0.2 * unitAt(key, 2 * i) ** 4;
      const odds = (30 * q) / (1 - q);
      p[i] = odds / (1 + odds);
      y[i] = unitAt(key, 2 * i + 1) < q ? 1 : 0;
    }
    const divisor = Math.exp(-fitLogitShift(p, y));
    expect(divisor).toBeGreaterThan(24);
    expect(divisor).toBeLessThan(37);
    expect(calibrate(30 / 31, 30)).toBeCloseTo(0.5, 12);
  });

  it('judges a persistent mode forecastable and one drawn afresh each process not', () => {
    const n = 5000;
    const key = streamKey(2, 1);
    const persistent = new Float64Array(n);
    const persistentY = new Uint8Array(n);
    const fresh = new Float64Array(n);
    const freshY = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      // A state that is "hot" for 50 processes in every 500 fails often while hot.
      const hot = i % 500 < 50;
      const q = hot ? 0.3 : 0.001;
      persistent[i] = q;
      persistentY[i] = unitAt(key, i) < q ? 1 : 0;
      // A failure exactly when this process's own draw is extreme.
      const spike = unitAt(key, n + i) < 0.02;
      fresh[i] = spike ? 0.99 : 0.001;
      freshY[i] = spike ? 1 : 0;
    }
    expect(aucAhead(persistent, persistentY, 10)).toBeGreaterThan(0.9);
    expect(Math.abs(aucAhead(fresh, freshY, 10) - 0.5)).toBeLessThan(0.05);
    const probabilities = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      probabilities[2 * i] = persistent[i] as number;
      probabilities[2 * i + 1] = fresh[i] as number;
    }
    const c = fitCalibration(
      { classes: ['A', 'B'], probabilities, labels: { A: persistentY, B: freshY }, n, modes: ['A', 'B'] },
      { modelSha256: 'a'.repeat(64), fittedOn: { file: 'x.csv', sha256: 'b'.repeat(64), rows: n } },
    );
    expect(c.modes.A?.forecastable).toBe(true);
    expect(c.modes.B?.forecastable).toBe(false);
    expect(c.classes.A?.observedRate).toBeCloseTo(persistentY.reduce((a, b) => a + b, 0) / n, 12);
  });

  it('judges forecastability on the probability with torque and speed drawn afresh, when given', () => {
    // A sharp model: the probability now is 0 until the very process that fails; with the fast variables
    // drawn afresh, the slow state (wear rising to its end) makes the processes before it risky.
    const n = 5000;
    const key = streamKey(3, 1);
    const now = new Float32Array(n);
    const ahead = new Float32Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const wear = (i % 250) / 250;
      const fails = wear > 0.9 && unitAt(key, i) < 0.05 ? 1 : 0;
      y[i] = fails;
      now[i] = fails;
      ahead[i] = wear > 0.85 ? 0.05 : 0.001;
    }
    const about = {
      modelSha256: 'a'.repeat(64),
      fittedOn: { file: 'x.csv', sha256: 'b'.repeat(64), rows: n },
    };
    const data = { classes: ['OSF'], probabilities: now, labels: { OSF: y }, n, modes: ['OSF'] };
    expect(fitCalibration(data, about).modes.OSF?.forecastable).toBe(false);
    const judged = fitCalibration({ ...data, aheadProbabilities: ahead }, about);
    expect(judged.modes.OSF?.forecastable).toBe(true);
    expect(judged.modes.OSF?.aheadAuc).toBeGreaterThan(0.8);
    // The divisor is still fitted on the probabilities as the model gives them.
    expect(judged.classes.OSF?.oddsDivisor).toBe(fitCalibration(data, about).classes.OSF?.oddsDivisor);
  });

  it('AUC of a score for a failure in the next rows: perfect, reversed and undefined cases', () => {
    const y = Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0]);
    expect(aucAhead(Float64Array.from([0, 1, 1, 0, 0, 0, 0, 0]), y, 2)).toBe(1);
    expect(aucAhead(Float64Array.from([1, 0, 0, 1, 1, 1, 1, 1]), y, 2)).toBe(0);
    expect(aucAhead(Float64Array.from([0, 0, 0, 0, 0, 0, 0, 0]), new Uint8Array(8), 2)).toBeNaN();
  });
});
