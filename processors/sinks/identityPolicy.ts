import { identityKey } from '../../schemas/readingIdentity.js';
import type { PredictionRow, QuarantineRow } from '../inference/types.js';
import { SINK_QUARANTINE_CODES } from './constants.js';

/**
 * The one identity policy every prediction store applies (schemas/README.md, "Identity"), as a pure function:
 * each store reads what it holds for the incoming identities, asks this module what to do, and does it. So the
 * three stores cannot differ in what a second reading of an identity becomes, only in how they find out.
 */

/** What a store holds for one reading identity: all the policy needs. */
export interface StoredReading {
  readingDigest: string;
  modelSequence: number;
}

/** What to do with a batch of scored readings, by input position. */
export interface PolicyOutcome {
  /** New readings and re-scores by a newer model: at most one position per identity (the last that wins). */
  writes: number[];
  /** Duplicates (a redelivery, a producer's second put) and scores by a model no newer than the stored one. */
  absorbed: number[];
  /** Different readings of an identity already held (stored, or earlier in the batch): refused, in input order. */
  conflicts: { index: number; held: StoredReading }[];
}

/**
 * Applies the policy to `rows` in input order, against what the store holds (`stored`, keyed by identityKey):
 * a new identity is written; a different digest is a conflict (the first stored wins); the same digest with a
 * higher model sequence replaces the score; anything else is absorbed.
 */
export function applyIdentityPolicy(
  rows: readonly PredictionRow[],
  stored: ReadonlyMap<string, StoredReading>,
): PolicyOutcome {
  const held = new Map<string, { reading: StoredReading; writeIndex: number | undefined }>();
  const absorbed: number[] = [];
  const conflicts: PolicyOutcome['conflicts'] = [];
  rows.forEach((row, index) => {
    const key = identityKey({ deviceId: row.deviceId, timestamp: row.time });
    const current = held.get(key) ?? storedEntry(stored.get(key));
    if (current === undefined) {
      held.set(key, { reading: readingOf(row), writeIndex: index });
    } else if (current.reading.readingDigest !== row.readingDigest) {
      conflicts.push({ index, held: current.reading });
    } else if (row.modelSequence > current.reading.modelSequence) {
      if (current.writeIndex !== undefined) absorbed.push(current.writeIndex);
      held.set(key, { reading: readingOf(row), writeIndex: index });
    } else {
      absorbed.push(index);
    }
  });
  const writes: number[] = [];
  for (const entry of held.values()) if (entry.writeIndex !== undefined) writes.push(entry.writeIndex);
  return { writes: writes.sort((a, b) => a - b), absorbed: absorbed.sort((a, b) => a - b), conflicts };
}

function storedEntry(
  reading: StoredReading | undefined,
): { reading: StoredReading; writeIndex: undefined } | undefined {
  return reading === undefined ? undefined : { reading, writeIndex: undefined };
}

function readingOf(row: PredictionRow): StoredReading {
  return { readingDigest: row.readingDigest, modelSequence: row.modelSequence };
}

/**
 * A conflicting row as a quarantine row, with the same reason word for word whichever store found it (so it
 * does not name the stored digest: Timestream refuses a conflict without telling it).
 */
export function conflictRow(row: PredictionRow): QuarantineRow {
  return refusedPrediction(
    row,
    SINK_QUARANTINE_CODES.readingConflict,
    `a different reading of ${row.deviceId} at ${new Date(row.time).toISOString()} is already stored ` +
      `(this one's digest ${row.readingDigest}); the first stored is kept`,
  );
}

/**
 * A row a sink refused, as a quarantine row stamped with its record's arrival time. Its raw bytes are the JSON
 * of the prediction; the handler puts the record's own bytes in their place (see inference/handler.ts).
 */
export function refusedPrediction(row: PredictionRow, code: string, reason: string): QuarantineRow {
  return {
    source: row.source,
    receivedAt: row.source.arrivalTime,
    stage: 'sink',
    code,
    reason,
    deviceId: row.deviceId,
    raw: new TextEncoder().encode(JSON.stringify(row)),
  };
}
