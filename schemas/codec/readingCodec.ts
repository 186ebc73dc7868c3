import { readFileSync } from 'node:fs';
import avro, { type Resolver, type Schema, type Type } from 'avsc';
import type { SensorReading } from '../reading.js';
import {
  type CanonicalFormQuirks,
  crc64Avro,
  fingerprintBytesLE,
  fingerprintHex,
  quirkyCanonicalForm,
  schemaFingerprint,
} from './crc64Avro.js';

// Avro single-object encoding: 2-byte marker, 8-byte little-endian CRC-64-AVRO of the writer schema, body.
const MARKER_0 = 0xc3;
const MARKER_1 = 0x01;
/** Bytes before the Avro body in a single-object encoded message (marker + fingerprint). */
export const SINGLE_OBJECT_HEADER_LENGTH = 10;

/** Every published reading schema version, oldest first; `schemas/reading.v<n>.avsc` exists for each. */
export const READING_SCHEMA_VERSION_LIST = [1, 2] as const;
export type ReadingSchemaVersion = (typeof READING_SCHEMA_VERSION_LIST)[number];
/** The reader schema `decodeReading` resolves every writer to. */
export const LATEST_READING_SCHEMA_VERSION = 2 satisfies ReadingSchemaVersion;

/** One published version of the reading schema. */
export interface ReadingSchemaInfo {
  readonly version: ReadingSchemaVersion;
  /** The schema as it is stored in `schemas/reading.v<version>.avsc`. */
  readonly schema: unknown;
  /** CRC-64-AVRO of the schema's Parsing Canonical Form (unsigned). */
  readonly fingerprint: bigint;
  readonly fingerprintHex: string;
}

function byVersion<T>(make: (version: ReadingSchemaVersion) => T): Readonly<Record<ReadingSchemaVersion, T>> {
  return Object.freeze(
    Object.fromEntries(READING_SCHEMA_VERSION_LIST.map((version) => [version, make(version)])),
  ) as Record<ReadingSchemaVersion, T>;
}

function loadSchema(version: ReadingSchemaVersion): ReadingSchemaInfo {
  // Read once at module load; the .avsc files are the single source of truth for the wire format.
  const schema: unknown = JSON.parse(
    readFileSync(new URL(`../../schemas/reading.v${version}.avsc`, import.meta.url), 'utf8'),
  );
  const fingerprint = schemaFingerprint(schema);
  return { version, schema, fingerprint, fingerprintHex: fingerprintHex(fingerprint) };
}

/** The reading schema versions this codec can read and write, with their fingerprints. */
export const READING_SCHEMA_VERSIONS = byVersion(loadSchema);

/**
 * Implementations whose Parsing Canonical Form of our schemas differs from the specification's, so that their
 * single-object messages carry another fingerprint for the very same schema (schemas/README.md, "Fingerprints of
 * other implementations"; each tested with messages the implementation wrote, test/fixtures/interop/).
 */
export const CANONICAL_FORM_QUIRKS = {
  'python3-avro 1.11 (Apache Avro for Python)': { logicalTypeObject: true, nestedShortNames: false },
  goavro: { logicalTypeObject: true, nestedShortNames: true },
} as const satisfies Record<string, CanonicalFormQuirks>;

/** A fingerprint the codec reads as a published schema version: the specification's, or an implementation's. */
export interface AcceptedFingerprint {
  readonly version: ReadingSchemaVersion;
  readonly fingerprint: bigint;
  readonly fingerprintHex: string;
  /** `specification`, or the implementation (a CANONICAL_FORM_QUIRKS key) that prints the schema this way. */
  readonly producer: string;
}

/** Every fingerprint decodeReading accepts, per version: the specification's first, then distinct aliases. */
export const ACCEPTED_FINGERPRINTS: readonly AcceptedFingerprint[] = READING_SCHEMA_VERSION_LIST.flatMap(
  (version) => {
    const info = READING_SCHEMA_VERSIONS[version];
    const accepted: AcceptedFingerprint[] = [
      {
        version,
        fingerprint: info.fingerprint,
        fingerprintHex: info.fingerprintHex,
        producer: 'specification',
      },
    ];
    for (const [producer, quirks] of Object.entries(CANONICAL_FORM_QUIRKS)) {
      const fingerprint = crc64Avro(new TextEncoder().encode(quirkyCanonicalForm(info.schema, quirks)));
      if (accepted.some((a) => a.fingerprint === fingerprint)) continue;
      accepted.push({ version, fingerprint, fingerprintHex: fingerprintHex(fingerprint), producer });
    }
    return accepted;
  },
);

/** Why a message could not be decoded; all of them are poison (retrying the same bytes cannot help). */
export const DECODE_ERROR_CODES = [
  'TOO_SHORT',
  'BAD_MARKER',
  'UNKNOWN_FINGERPRINT',
  'TRUNCATED_BODY',
  'CORRUPT_BODY',
  'TRAILING_BYTES',
] as const;
export type DecodeErrorCode = (typeof DECODE_ERROR_CODES)[number];

export type DecodeResult =
  | { ok: true; reading: SensorReading; writerVersion: ReadingSchemaVersion }
  | { ok: false; code: DecodeErrorCode; reason: string };

const TYPES = byVersion(
  (version): Type =>
    // No logicalTypes registry, so avsc reads timestamp-millis as the plain long it is on the wire (epoch ms).
    // Fresh options per call: avsc stores its name registry in the options object it is given.
    avro.Type.forSchema(READING_SCHEMA_VERSIONS[version].schema as Schema, { omitRecordMethods: true }),
);

interface WriterEntry {
  // The fingerprint as two uint32 halves so the hot path compares numbers, not bigints or strings.
  readonly lo: number;
  readonly hi: number;
  readonly writerVersion: ReadingSchemaVersion;
  readonly readerType: Type;
  /** Undefined when writer and reader schema are the same (no resolution needed). */
  readonly resolver: Resolver | undefined;
}

// Built once: per reader version, one entry (with its resolver) per known writer fingerprint.
const READERS = byVersion((readerVersion): readonly WriterEntry[] => {
  const readerType = TYPES[readerVersion];
  // Newest writers first (after a rollout most traffic carries the latest schema), the specification's
  // fingerprint before other implementations' aliases of it.
  const order = [...READING_SCHEMA_VERSION_LIST].reverse();
  return order.flatMap((writerVersion) => {
    const resolver =
      writerVersion === readerVersion ? undefined : readerType.createResolver(TYPES[writerVersion]);
    return ACCEPTED_FINGERPRINTS.filter((a) => a.version === writerVersion).map(({ fingerprint: fp }) => ({
      lo: Number(fp & 0xffffffffn),
      hi: Number(fp >> 32n),
      writerVersion,
      readerType,
      resolver,
    }));
  });
});

const HEADERS = byVersion((version) => {
  const bytes = Buffer.alloc(SINGLE_OBJECT_HEADER_LENGTH);
  bytes[0] = MARKER_0;
  bytes[1] = MARKER_1;
  bytes.set(fingerprintBytesLE(READING_SCHEMA_VERSIONS[version].fingerprint), 2);
  return bytes;
});

// Encoding goes through one growable scratch buffer, then one exact-size copy per record.
let scratch = Buffer.allocUnsafe(4096);

/** Encodes a reading as an Avro single-object message with the given writer schema version (default v1). */
export function encodeReading(reading: SensorReading, version: ReadingSchemaVersion = 1): Buffer {
  const type = TYPES[version];
  const head = HEADERS[version];
  if (type === undefined || head === undefined) {
    throw new RangeError(`unknown reading schema version ${version}`);
  }
  let end = encodeInto(type, head, reading, version);
  if (end < 0) {
    scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
    end = encodeInto(type, head, reading, version);
  }
  const out = Buffer.allocUnsafe(end);
  scratch.copy(out, 0, 0, end);
  return out;
}

function encodeInto(type: Type, head: Buffer, reading: SensorReading, version: ReadingSchemaVersion): number {
  head.copy(scratch, 0);
  try {
    return type.encode(reading, scratch, SINGLE_OBJECT_HEADER_LENGTH);
  } catch (error) {
    throw new TypeError(`reading does not fit schema v${version}: ${invalidPaths(type, reading)}`, {
      cause: error,
    });
  }
}

function invalidPaths(type: Type, reading: unknown): string {
  const paths: string[] = [];
  type.isValid(reading, { errorHook: (path) => paths.push(path.join('.') || '(root)') });
  return paths.length > 0 ? paths.join(', ') : 'not a record';
}

/** Decodes a single-object message with the latest reader schema (v2); never throws, bad bytes give a poison result. */
export function decodeReading(bytes: Uint8Array): DecodeResult {
  return decodeWith(READERS[LATEST_READING_SCHEMA_VERSION], bytes);
}

/** Decodes with an older reader schema (schema-evolution checks, consumers pinned to a version); never throws. */
export function decodeReadingAs(bytes: Uint8Array, readerVersion: ReadingSchemaVersion): DecodeResult {
  const entries = READERS[readerVersion];
  if (entries === undefined) throw new RangeError(`unknown reading schema version ${readerVersion}`);
  return decodeWith(entries, bytes);
}

function decodeWith(entries: readonly WriterEntry[], bytes: Uint8Array): DecodeResult {
  const length = bytes.length;
  if (length < SINGLE_OBJECT_HEADER_LENGTH) {
    return poison(
      'TOO_SHORT',
      `${length} bytes, a single-object message needs at least ${SINGLE_OBJECT_HEADER_LENGTH}`,
    );
  }
  if (bytes[0] !== MARKER_0 || bytes[1] !== MARKER_1) {
    return poison(
      'BAD_MARKER',
      `starts with ${hexBytes(bytes, 0, 2)}, expected c3 01 (Avro single-object encoding)`,
    );
  }
  // biome-ignore-start lint/style/noNonNullAssertion: length >= 10 was checked above.
  const lo = (bytes[2]! | (bytes[3]! << 8) | (bytes[4]! << 16) | (bytes[5]! << 24)) >>> 0;
  const hi = (bytes[6]! | (bytes[7]! << 8) | (bytes[8]! << 16) | (bytes[9]! << 24)) >>> 0;
  // biome-ignore-end lint/style/noNonNullAssertion: length >= 10 was checked above.
  let entry: WriterEntry | undefined;
  for (const candidate of entries) {
    if (candidate.lo === lo && candidate.hi === hi) {
      entry = candidate;
      break;
    }
  }
  if (entry === undefined) {
    return poison(
      'UNKNOWN_FINGERPRINT',
      `writer schema fingerprint ${hexBytes(bytes, 2, 10)} (little-endian) is not a known reading schema`,
    );
  }
  // avsc reads through Buffer methods; wrap (no copy) when the caller passed a plain Uint8Array.
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, length);
  let decoded: { value: unknown; offset: number };
  try {
    decoded = entry.readerType.decode(buf, SINGLE_OBJECT_HEADER_LENGTH, entry.resolver);
  } catch (error) {
    return poison('CORRUPT_BODY', `body is not a valid v${entry.writerVersion} reading: ${describe(error)}`);
  }
  if (decoded.offset < 0) {
    return poison(
      'TRUNCATED_BODY',
      `body ends before the v${entry.writerVersion} reading does (truncated, or a length prefix is negative or runs past the end)`,
    );
  }
  if (decoded.offset !== length) {
    return poison(
      'TRAILING_BYTES',
      `${length - decoded.offset} bytes follow the v${entry.writerVersion} reading`,
    );
  }
  return { ok: true, reading: decoded.value as SensorReading, writerVersion: entry.writerVersion };
}

function poison(code: DecodeErrorCode, reason: string): DecodeResult {
  return { ok: false, code, reason };
}

function hexBytes(bytes: Uint8Array, from: number, to: number): string {
  return Buffer.from(bytes.subarray(from, to))
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
