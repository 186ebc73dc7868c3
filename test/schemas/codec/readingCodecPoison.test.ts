import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprintBytesLE, schemaFingerprint } from '../../../schemas/codec/crc64Avro.js';
import {
  DECODE_ERROR_CODES,
  type DecodeErrorCode,
  type DecodeResult,
  decodeReading,
  decodeReadingAs,
  encodeReading,
  READING_SCHEMA_VERSIONS,
  type ReadingSchemaVersion,
  SINGLE_OBJECT_HEADER_LENGTH,
} from '../../../schemas/codec/readingCodec.js';
import { QUALITY_TYPES } from '../../../schemas/reading.js';
import { sensorReadingV2 } from '../../fixtures/codec/arbitraries.js';
import { makeReading } from '../../fixtures/codec/readings.js';

// Hand-built Avro binary, so each case can corrupt exactly one field of an otherwise valid message.
function varint(n: bigint): number[] {
  let zigzag = n >= 0n ? n << 1n : (-n << 1n) - 1n;
  const out: number[] = [];
  do {
    let byte = Number(zigzag & 0x7fn);
    zigzag >>= 7n;
    if (zigzag !== 0n) byte |= 0x80;
    out.push(byte);
  } while (zigzag !== 0n);
  return out;
}
function str(s: string): number[] {
  const utf8 = Buffer.from(s, 'utf8');
  return [...varint(BigInt(utf8.length)), ...utf8];
}
function dbl(x: number): number[] {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return [...b];
}
function header(version: ReadingSchemaVersion): number[] {
  return [0xc3, 0x01, ...fingerprintBytesLE(READING_SCHEMA_VERSIONS[version].fingerprint)];
}

const FIELD_ORDER = [
  'deviceId',
  'timestamp',
  'sequenceNumber',
  'firmware',
  'qualityType',
  'airTemperatureK',
  'processTemperatureK',
  'rotationalSpeedRpm',
  'torqueNm',
  'toolWearMin',
  'vibrationRmsMmS',
] as const;
type RawFields = Record<(typeof FIELD_ORDER)[number], number[]>;

function body(version: ReadingSchemaVersion, overrides: Partial<RawFields> = {}): number[] {
  const r = makeReading();
  const fields: RawFields = {
    deviceId: str(r.deviceId),
    timestamp: varint(BigInt(r.timestamp)),
    sequenceNumber: varint(BigInt(r.sequenceNumber)),
    firmware: str(r.firmware),
    qualityType: varint(BigInt(QUALITY_TYPES.indexOf(r.qualityType))),
    airTemperatureK: dbl(r.airTemperatureK),
    processTemperatureK: dbl(r.processTemperatureK),
    rotationalSpeedRpm: dbl(r.rotationalSpeedRpm),
    torqueNm: dbl(r.torqueNm),
    toolWearMin: dbl(r.toolWearMin),
    vibrationRmsMmS: [0], // union branch 0: null
    ...overrides,
  };
  const names = version === 1 ? FIELD_ORDER.slice(0, -1) : FIELD_ORDER;
  return names.flatMap((name) => fields[name]);
}
function message(version: ReadingSchemaVersion, overrides: Partial<RawFields> = {}): Uint8Array {
  return Uint8Array.from([...header(version), ...body(version, overrides)]);
}

function expectPoisonOrOk(result: DecodeResult): void {
  if (result.ok) return;
  expect(DECODE_ERROR_CODES).toContain(result.code);
  expect(result.reason.length).toBeGreaterThan(0);
}

describe('hand-built messages', () => {
  it.each([1, 2] as const)(
    'a valid v%i message decodes to the reading (the builder itself is right)',
    (version) => {
      expect(decodeReading(message(version))).toEqual({
        ok: true,
        writerVersion: version,
        reading: { ...makeReading(), vibrationRmsMmS: null },
      });
    },
  );
});

describe('poison messages', () => {
  const valid = [...message(1)];
  const stringFingerprint = [...fingerprintBytesLE(schemaFingerprint('string'))];
  const cases: { name: string; bytes: number[]; code: DecodeErrorCode }[] = [
    { name: 'no bytes', bytes: [], code: 'TOO_SHORT' },
    { name: 'only the marker', bytes: [0xc3, 0x01], code: 'TOO_SHORT' },
    { name: 'a header one byte short', bytes: header(1).slice(0, 9), code: 'TOO_SHORT' },
    { name: 'a wrong marker version byte', bytes: [0xc3, 0x02, ...valid.slice(2)], code: 'BAD_MARKER' },
    { name: 'the marker bytes swapped', bytes: [0x01, 0xc3, ...valid.slice(2)], code: 'BAD_MARKER' },
    { name: 'a JSON reading', bytes: [...Buffer.from(JSON.stringify(makeReading()))], code: 'BAD_MARKER' },
    {
      name: 'a bare Avro body without the header',
      bytes: [...body(1), ...body(1)],
      code: 'BAD_MARKER',
    },
    {
      name: 'the fingerprint of another schema',
      bytes: [0xc3, 0x01, ...stringFingerprint, ...body(1)],
      code: 'UNKNOWN_FINGERPRINT',
    },
    {
      name: 'the fingerprint written big-endian',
      bytes: [0xc3, 0x01, ...header(1).slice(2).reverse(), ...body(1)],
      code: 'UNKNOWN_FINGERPRINT',
    },
    {
      name: 'a zero fingerprint',
      bytes: [0xc3, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, ...body(1)],
      code: 'UNKNOWN_FINGERPRINT',
    },
    { name: 'a header with no body', bytes: header(1), code: 'TRUNCATED_BODY' },
    { name: 'the last byte missing', bytes: valid.slice(0, -1), code: 'TRUNCATED_BODY' },
    {
      name: 'a string length prefix of 2^40',
      bytes: [...header(1), ...body(1, { deviceId: varint(2n ** 40n) })],
      code: 'TRUNCATED_BODY',
    },
    {
      name: 'a string length prefix of 2^62 in a ten-byte varint',
      bytes: [...header(1), ...body(1, { firmware: varint(2n ** 62n) })],
      code: 'TRUNCATED_BODY',
    },
    {
      name: 'a negative string length',
      bytes: [...header(1), ...body(1, { deviceId: varint(-1n) })],
      code: 'TRUNCATED_BODY',
    },
    {
      name: 'a v1 body under the v2 fingerprint (the union index is missing)',
      bytes: [...header(2), ...body(1)],
      code: 'TRUNCATED_BODY',
    },
    {
      name: 'enum index 3 (only L, M, H exist)',
      bytes: [...message(1, { qualityType: varint(3n) })],
      code: 'CORRUPT_BODY',
    },
    {
      name: 'a negative enum index',
      bytes: [...message(1, { qualityType: varint(-1n) })],
      code: 'CORRUPT_BODY',
    },
    {
      name: 'a timestamp beyond 2^53 (would lose precision)',
      bytes: [...message(1, { timestamp: varint(2n ** 60n) })],
      code: 'CORRUPT_BODY',
    },
    {
      name: 'union index 2 for the vibration (only null, double exist)',
      bytes: [...message(2, { vibrationRmsMmS: varint(2n) })],
      code: 'CORRUPT_BODY',
    },
    {
      name: 'a negative union index for the vibration',
      bytes: [...message(2, { vibrationRmsMmS: varint(-1n) })],
      code: 'CORRUPT_BODY',
    },
    { name: 'one extra byte', bytes: [...valid, 0], code: 'TRAILING_BYTES' },
    { name: 'two messages concatenated', bytes: [...valid, ...valid], code: 'TRAILING_BYTES' },
    {
      name: 'a v2 body under the v1 fingerprint',
      bytes: [...header(1), ...body(2)],
      code: 'TRAILING_BYTES',
    },
  ];

  it.each(cases)('$name -> $code', ({ bytes, code }) => {
    const result = decodeReading(Uint8Array.from(bytes));
    expect(result).toMatchObject({ ok: false, code });
    expect(result.ok === false && result.reason.length > 0).toBe(true);
    expect(() => decodeReadingAs(Uint8Array.from(bytes), 1)).not.toThrow();
  });

  it('names the unknown fingerprint in the reason', () => {
    const result = decodeReading(Uint8Array.from([0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, ...body(1)]));
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('01 02 03 04 05 06 07 08') });
  });
});

describe('decodeReading on arbitrary bytes', () => {
  const version = fc.constantFrom<ReadingSchemaVersion>(1, 2);

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expectPoisonOrOk(decodeReading(bytes));
        expectPoisonOrOk(decodeReadingAs(bytes, 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on random bodies behind a valid header, and what it accepts is a well-typed reading', () => {
    fc.assert(
      fc.property(version, fc.uint8Array({ maxLength: 200 }), (v, randomBody) => {
        const bytes = Uint8Array.from([...header(v), ...randomBody]);
        for (const result of [decodeReading(bytes), decodeReadingAs(bytes, 1)]) {
          expectPoisonOrOk(result);
          if (result.ok) {
            expect(result.writerVersion).toBe(v);
            expect(QUALITY_TYPES).toContain(result.reading.qualityType);
            expect(Number.isSafeInteger(result.reading.timestamp)).toBe(true);
            expect(Number.isSafeInteger(result.reading.sequenceNumber)).toBe(true);
            expect(typeof result.reading.deviceId).toBe('string');
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('turns every truncation of a valid message into TOO_SHORT or TRUNCATED_BODY', () => {
    fc.assert(
      fc.property(sensorReadingV2, version, fc.nat(), (reading, v, cutSeed) => {
        const bytes = encodeReading(reading, v);
        const cut = cutSeed % bytes.length;
        const result = decodeReading(bytes.subarray(0, cut));
        expect(result).toMatchObject({
          ok: false,
          code: cut < SINGLE_OBJECT_HEADER_LENGTH ? 'TOO_SHORT' : 'TRUNCATED_BODY',
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('handles every single-bit flip: marker -> BAD_MARKER, fingerprint -> UNKNOWN_FINGERPRINT, body -> never throws', () => {
    fc.assert(
      fc.property(sensorReadingV2, version, fc.nat(), (reading, v, bitSeed) => {
        const bytes = Buffer.from(encodeReading(reading, v));
        const bit = bitSeed % (bytes.length * 8);
        const at = bit >> 3;
        bytes[at] = (bytes[at] ?? 0) ^ (1 << (bit & 7));
        const result = decodeReading(bytes);
        if (at < 2) expect(result).toMatchObject({ ok: false, code: 'BAD_MARKER' });
        else if (at < SINGLE_OBJECT_HEADER_LENGTH)
          expect(result).toMatchObject({ ok: false, code: 'UNKNOWN_FINGERPRINT' });
        else expectPoisonOrOk(result);
      }),
      { numRuns: 2000 },
    );
  });

  it('reports UNKNOWN_FINGERPRINT for any fingerprint that is not a published schema', () => {
    const known = new Set(
      [1, 2].map((v) => Buffer.from(header(v as ReadingSchemaVersion).slice(2)).toString('hex')),
    );
    fc.assert(
      fc.property(
        fc
          .uint8Array({ minLength: 8, maxLength: 8 })
          .filter((fp) => !known.has(Buffer.from(fp).toString('hex'))),
        (fingerprint) => {
          const bytes = Uint8Array.from([0xc3, 0x01, ...fingerprint, ...body(1)]);
          expect(decodeReading(bytes)).toMatchObject({ ok: false, code: 'UNKNOWN_FINGERPRINT' });
        },
      ),
      { numRuns: 500 },
    );
  });
});
