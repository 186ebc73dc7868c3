import { describe, expect, it } from 'vitest';
import { OutcomeTally } from '../../../app/pipeline/OutcomeTally.js';
import type { PredictionRow, QuarantineRow } from '../../../processors/inference/types.js';
import type { GroundTruth } from '../../../stream/simulator/types.js';
import { makePrediction } from '../../fixtures/predictions.js';

const NO_FAILURE: GroundTruth = {
  TWF: false,
  HDF: false,
  PWF: false,
  OSF: false,
  RNF: false,
  failure: false,
};
const truth = (modes: Partial<GroundTruth>): GroundTruth => {
  const t = { ...NO_FAILURE, ...modes };
  return { ...t, failure: t.TWF || t.HDF || t.PWF || t.OSF || t.RNF };
};
const predicted = (i: number, failure: boolean, deviceId = 'M-0001'): PredictionRow =>
  makePrediction(i, { deviceId, readingSequence: i, failure });
const quarantined = (i: number): QuarantineRow => ({
  source: { eventId: `q-${i}`, sequenceNumber: String(i), partitionKey: 'M-0001', arrivalTime: 0 },
  receivedAt: 0,
  stage: 'decode',
  code: 'BAD_MARKER',
  reason: 'not avro',
  deviceId: null,
  raw: new Uint8Array([1]),
});

describe('outcome tally', () => {
  it.each([
    { predictedFailure: true, truth: truth({ OSF: true }), cell: 'tp' },
    { predictedFailure: true, truth: NO_FAILURE, cell: 'fp' },
    { predictedFailure: false, truth: truth({ HDF: true }), cell: 'fn' },
    { predictedFailure: false, truth: NO_FAILURE, cell: 'tn' },
  ] as const)('a prediction of $predictedFailure against that truth lands in $cell', (c) => {
    const tally = new OutcomeTally();
    tally.expect('M-0001', 7, c.truth);
    tally.addOutcome({ received: 1, predictions: [predicted(7, c.predictedFailure)], quarantined: [] });
    expect(tally.anyFailure).toEqual({ tp: 0, fp: 0, fn: 0, tn: 0, [c.cell]: 1 });
    expect(tally.predictedFailures).toBe(c.predictedFailure ? 1 : 0);
    expect(tally.truthFailures).toBe(c.truth.failure ? 1 : 0);
  });

  it('matches predictions to truths by machine and sequence, not by position', () => {
    const tally = new OutcomeTally();
    tally.expect('M-0001', 1, truth({ TWF: true }));
    tally.expect('M-0002', 1, NO_FAILURE);
    tally.addOutcome({
      received: 2,
      predictions: [predicted(1, false, 'M-0002'), predicted(1, true, 'M-0001')],
      quarantined: [],
    });
    expect(tally.anyFailure).toEqual({ tp: 1, fp: 0, fn: 0, tn: 1 });
  });

  it('counts a redelivered record again live but once against the truth, and each mode of a truth', () => {
    const tally = new OutcomeTally();
    tally.expect('M-0001', 1, truth({ PWF: true, OSF: true }));
    tally.expect('M-0001', 2, truth({ RNF: true }));
    const batch = { received: 2, predictions: [predicted(1, true), predicted(2, false)], quarantined: [] };
    tally.addOutcome(batch);
    tally.addOutcome(batch); // the runner redelivered it
    expect(tally.scored).toBe(4);
    expect(tally.predictedFailures).toBe(2);
    expect(tally.anyFailure).toEqual({ tp: 1, fp: 0, fn: 1, tn: 0 });
    expect(tally.truthFailures).toBe(2);
    expect(tally.truthByMode).toEqual({ TWF: 0, HDF: 0, PWF: 1, OSF: 1, RNF: 1 });
  });

  it('accounts for scored, quarantined and dead-lettered records together', () => {
    const tally = new OutcomeTally();
    tally.addOutcome({
      received: 3,
      predictions: [predicted(1, false)],
      quarantined: [quarantined(2), quarantined(3)],
    });
    tally.addDeadLettered(4);
    expect([tally.scored, tally.quarantined, tally.deadLettered]).toEqual([1, 2, 4]);
    expect(tally.accounted()).toBe(7);
    // A prediction with no expected truth (none was registered) leaves the confusion matrix alone.
    expect(tally.anyFailure).toEqual({ tp: 0, fp: 0, fn: 0, tn: 0 });
  });
});
