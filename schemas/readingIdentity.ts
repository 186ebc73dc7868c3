import { createHash } from 'node:crypto';
import { encodeReading, LATEST_READING_SCHEMA_VERSION } from './codec/readingCodec.js';
import type { SensorReading } from './reading.js';

/**
 * A reading's identity and content digest (schemas/README.md, "Identity"). The identity is what the device says
 * the reading is: its device id and the time it was taken. The digest says what the reading holds: two
 * records of the same identity are the same reading (a redelivery, or a producer's second put) exactly when
 * their digests are equal; otherwise the second is a conflict, quarantined by every store.
 */
export interface ReadingIdentity {
  deviceId: string;
  /** Epoch milliseconds, the reading's `timestamp`. */
  timestamp: number;
}

/** Hex characters of the digest: the first 128 bits of SHA-256, ample against accidental collisions. */
export const READING_DIGEST_HEX_LENGTH = 32;

/** The identity as one string, for maps: `deviceId` cannot hold a line break (schemas/deviceId.ts). */
export function identityKey(identity: ReadingIdentity): string {
  return `${identity.deviceId}\n${identity.timestamp}`;
}

/**
 * SHA-256 (first 128 bits, hex) of the reading's Avro body written with the latest schema: every field counts,
 * and a reading reads the same whichever schema version its producer wrote it with (v1 data resolves to v2
 * with `vibrationRmsMmS: null`). The Kinesis record it came in (shard, sequence number) does not count.
 */
export function readingDigest(reading: SensorReading): string {
  const bytes = encodeReading(
    reading.vibrationRmsMmS === undefined ? { ...reading, vibrationRmsMmS: null } : reading,
    LATEST_READING_SCHEMA_VERSION,
  );
  return createHash('sha256').update(bytes).digest('hex').slice(0, READING_DIGEST_HEX_LENGTH);
}
