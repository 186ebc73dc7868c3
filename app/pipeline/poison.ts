import { encodeReading, SINGLE_OBJECT_HEADER_LENGTH } from '../../schemas/codec/readingCodec.js';
import type { SensorReading } from '../../schemas/reading.js';

/** The kinds of bad record the local pipeline can inject, each exercising one quarantine path. */
export const POISON_KINDS = [
  'truncated',
  'unknown-schema',
  'garbage',
  'impossible-value',
  'non-finite',
] as const;
export type PoisonKind = (typeof POISON_KINDS)[number];

/** Encodes a reading as a deliberately bad record of the given kind (deterministic: same input, same bytes). */
export function poisonRecord(reading: SensorReading, kind: PoisonKind): Uint8Array {
  switch (kind) {
    case 'truncated': {
      const bytes = encodeReading(reading);
      return bytes.subarray(
        0,
        SINGLE_OBJECT_HEADER_LENGTH + Math.floor((bytes.length - SINGLE_OBJECT_HEADER_LENGTH) / 2),
      );
    }
    case 'unknown-schema': {
      const bytes = Buffer.from(encodeReading(reading));
      for (let i = 2; i < SINGLE_OBJECT_HEADER_LENGTH; i++) bytes[i] = (bytes[i] as number) ^ 0x5a;
      return bytes;
    }
    case 'garbage':
      return Buffer.from(`not avro: ${reading.deviceId} #${reading.sequenceNumber}`, 'utf8');
    case 'impossible-value':
      return encodeReading({ ...reading, torqueNm: -reading.torqueNm - 1 });
    case 'non-finite':
      return encodeReading({ ...reading, processTemperatureK: Number.NaN });
  }
}

/**
 * Picks which records to poison: every `1 / rate`-th record, cycling through the kinds, so that a run of N
 * records has round(N * rate) bad ones and the expected counts are known in advance.
 */
export function poisonPlan(rate: number): (index: number) => PoisonKind | undefined {
  if (!(rate >= 0 && rate <= 1)) throw new Error(`poison rate must be in [0, 1], got ${rate}`);
  if (rate === 0) return () => undefined;
  const every = Math.max(1, Math.round(1 / rate));
  return (index) => {
    if ((index + 1) % every !== 0) return undefined;
    return POISON_KINDS[Math.floor(index / every) % POISON_KINDS.length];
  };
}
