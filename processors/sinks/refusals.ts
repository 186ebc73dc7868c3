import { forEachConcurrently } from '../../kernel/concurrency.js';
import { PfmError } from '../../kernel/errors.js';
import type { QuarantineRow } from '../inference/types.js';

/** A row the store refused, by its position in the input. */
export interface Refusal {
  index: number;
  reason: string;
  /** Timestream: the version of the record already there, when that is why this one was refused. */
  existingVersion?: number;
}

/** Writes the batches, at most `concurrency` at once, and returns every refusal in input order. */
export async function writeConcurrently<B>(
  batches: readonly B[],
  concurrency: number,
  writeBatch: (batch: B) => Promise<Refusal[]>,
): Promise<Refusal[]> {
  const refusals: Refusal[] = [];
  await forEachConcurrently(batches, concurrency, async (batch) => {
    refusals.push(...(await writeBatch(batch)));
  });
  return refusals.sort((a, b) => a.index - b.index);
}

/** Fails a quarantine write the store refused any row of: there is nowhere left to put those rows. */
export function throwIfQuarantineRefused(
  refusals: readonly Refusal[],
  rows: readonly QuarantineRow[],
  where: { store: string; unit: string; place: string },
): void {
  const first = refusals[0];
  if (first === undefined) return;
  throw new PfmError(
    'SINK_REJECTED',
    `${where.store} refused ${refusals.length} quarantine ${where.unit}(s) in ${where.place}; ` +
      `first: ${rows[first.index]?.source.eventId}: ${first.reason}`,
  );
}
