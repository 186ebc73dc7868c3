import { describe, expect, it } from 'vitest';
import type { PredictionRow } from '../../../processors/inference/types.js';
import {
  applyIdentityPolicy,
  conflictRow,
  type StoredReading,
} from '../../../processors/sinks/identityPolicy.js';
import { identityKey } from '../../../schemas/readingIdentity.js';
import { makePrediction } from '../../fixtures/predictions.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const T = Date.UTC(2024, 0, 15);

function row(digest: string, sequence: number, event: number, time = T): PredictionRow {
  const base = makePrediction(0);
  return {
    ...base,
    time,
    readingDigest: digest,
    modelSequence: sequence,
    source: { ...base.source, eventId: `s:${event}`, sequenceNumber: String(event) },
  };
}
const key = identityKey({ deviceId: 'M-0001', timestamp: T });
const held = (digest: string, sequence: number) =>
  new Map<string, StoredReading>([[key, { readingDigest: digest, modelSequence: sequence }]]);

describe('applyIdentityPolicy: one policy for every store', () => {
  it.each<[string, Map<string, StoredReading>, PredictionRow[], ReturnType<typeof applyIdentityPolicy>]>([
    ['a new reading is written', new Map(), [row(A, 1, 1)], { writes: [0], absorbed: [], conflicts: [] }],
    ['a redelivery is absorbed', held(A, 1), [row(A, 1, 1)], { writes: [], absorbed: [0], conflicts: [] }],
    [
      "a producer's second put is absorbed",
      held(A, 1),
      [row(A, 1, 2)],
      { writes: [], absorbed: [0], conflicts: [] },
    ],
    [
      'a newer model replaces the score',
      held(A, 1),
      [row(A, 2, 1)],
      { writes: [0], absorbed: [], conflicts: [] },
    ],
    ['an older model is absorbed', held(A, 2), [row(A, 1, 1)], { writes: [], absorbed: [0], conflicts: [] }],
    [
      'a different reading is a conflict, even scored by a newer model',
      held(A, 1),
      [row(B, 2, 2)],
      { writes: [], absorbed: [], conflicts: [{ index: 0, held: { readingDigest: A, modelSequence: 1 } }] },
    ],
    [
      'within a batch the first reading wins and a duplicate of it is absorbed',
      new Map(),
      [row(A, 1, 1), row(B, 1, 2), row(A, 1, 3)],
      { writes: [0], absorbed: [2], conflicts: [{ index: 1, held: { readingDigest: A, modelSequence: 1 } }] },
    ],
    [
      'within a batch a newer score replaces an earlier write, once',
      new Map(),
      [row(A, 1, 1), row(A, 3, 1), row(A, 2, 1)],
      { writes: [1], absorbed: [0, 2], conflicts: [] },
    ],
    [
      'identities are device and time: other times are other readings',
      held(A, 1),
      [row(B, 1, 1, T + 1), row(B, 1, 2, T - 1)],
      { writes: [0, 1], absorbed: [], conflicts: [] },
    ],
  ])('%s', (_, stored, rows, expected) => {
    expect(applyIdentityPolicy(rows, stored)).toEqual(expected);
  });

  it('a conflict is quarantined with the same words by every store, at its arrival time', () => {
    const r = row(B, 2, 9);
    expect(conflictRow(r)).toMatchObject({
      stage: 'sink',
      code: 'READING_CONFLICT',
      receivedAt: r.source.arrivalTime,
      deviceId: 'M-0001',
      reason: `a different reading of M-0001 at 2024-01-15T00:00:00.000Z is already stored (this one's digest ${B}); the first stored is kept`,
    });
  });
});
