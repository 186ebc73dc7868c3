import { type BatchOutcome, FAILURE_MODES, type FailureMode } from '../../processors/inference/types.js';
import type { GroundTruth } from '../../stream/simulator/types.js';
import type { Confusion } from './types.js';

/**
 * Counts what comes out of the inference consumer while the run goes (scored, quarantined, dead-lettered,
 * predicted failures), and scores each first prediction of a record against the simulated truth.
 */
export class OutcomeTally {
  scored = 0;
  quarantined = 0;
  deadLettered = 0;
  predictedFailures = 0;
  /** Scored records whose simulated truth was a failure. */
  truthFailures = 0;
  readonly truthByMode = Object.fromEntries(FAILURE_MODES.map((m) => [m, 0])) as Record<FailureMode, number>;
  readonly anyFailure: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
  private readonly truths = new Map<string, GroundTruth>();

  /** Keeps a record's ground truth until its prediction comes back (poisoned records have none). */
  expect(deviceId: string, sequenceNumber: number, truth: GroundTruth): void {
    this.truths.set(key(deviceId, sequenceNumber), truth);
  }

  /** Adds one handler invocation's outcome; a redelivered record counts again live, but once against the truth. */
  readonly addOutcome = (outcome: BatchOutcome): void => {
    this.scored += outcome.predictions.length;
    this.quarantined += outcome.quarantined.length;
    for (const p of outcome.predictions) {
      if (p.failure) this.predictedFailures++;
      const k = key(p.deviceId, p.readingSequence);
      const truth = this.truths.get(k);
      if (!truth) continue; // a redelivered record, already counted
      this.truths.delete(k);
      if (truth.failure) this.truthFailures++;
      for (const m of FAILURE_MODES) if (truth[m]) this.truthByMode[m]++;
      const cell = p.failure ? (truth.failure ? 'tp' : 'fp') : truth.failure ? 'fn' : 'tn';
      this.anyFailure[cell]++;
    }
  };

  /** Adds records the consumer sent to its dead letter. */
  addDeadLettered(n: number): void {
    this.deadLettered += n;
  }

  /** Records that came out of the consumer one way or another. */
  accounted(): number {
    return this.scored + this.quarantined + this.deadLettered;
  }
}

const key = (deviceId: string, sequenceNumber: number) => `${deviceId}#${sequenceNumber}`;
