import { readFileSync } from 'node:fs';
import avro, { type Schema } from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprintBytesLE, parsingCanonicalForm } from '../../../schemas/codec/crc64Avro.js';
import {
  decodeReading,
  decodeReadingAs,
  encodeReading,
  LATEST_READING_SCHEMA_VERSION,
  READING_SCHEMA_VERSIONS,
  type ReadingSchemaVersion,
  SINGLE_OBJECT_HEADER_LENGTH,
} from '../../../schemas/codec/readingCodec.js';
import type { SensorReading } from '../../../schemas/reading.js';
import { sensorReadingV1, sensorReadingV2 } from '../../fixtures/codec/arbitraries.js';
import { makeReading } from '../../fixtures/codec/readings.js';

const VERSIONS: ReadingSchemaVersion[] = [1, 2];

function schemaFile(
  version: number,
): Record<string, unknown> & { fields: { name: string; type: unknown }[] } {
  return JSON.parse(
    readFileSync(new URL(`../../../schemas/reading.v${version}.avsc`, import.meta.url), 'utf8'),
  );
}

function withoutVibration(reading: SensorReading): Omit<SensorReading, 'vibrationRmsMmS'> {
  const { vibrationRmsMmS: _dropped, ...rest } = reading;
  return rest;
}

function decodedOk(bytes: Uint8Array, readerVersion: ReadingSchemaVersion = LATEST_READING_SCHEMA_VERSION) {
  const result =
    readerVersion === LATEST_READING_SCHEMA_VERSION
      ? decodeReading(bytes)
      : decodeReadingAs(bytes, readerVersion);
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.reason}`);
  return result;
}

describe('reading schemas', () => {
  it('pins the published fingerprints: changing them would orphan data already on the stream', () => {
    expect(READING_SCHEMA_VERSIONS[1].fingerprintHex).toBe('61f327273cfcbd27');
    expect(READING_SCHEMA_VERSIONS[2].fingerprintHex).toBe('8c45195671676d91');
  });

  it.each(VERSIONS)('v%i canonical form matches what avsc derives from the same file', (version) => {
    const schema = schemaFile(version);
    expect(parsingCanonicalForm(schema)).toBe(JSON.stringify(avro.Type.forSchema(schema as Schema).schema()));
  });

  it('uses the SensorReading property names and documents every field', () => {
    const names = schemaFile(2).fields.map((f) => f.name);
    const reading: Required<SensorReading> = { ...makeReading(), vibrationRmsMmS: 1 };
    expect(names.sort()).toEqual(Object.keys(reading).sort());
    for (const version of VERSIONS) {
      for (const field of schemaFile(version).fields) expect(field).toHaveProperty('doc');
    }
  });

  it('evolves only by adding fields with defaults (never renaming, retyping or removing)', () => {
    for (let version = 2; version <= LATEST_READING_SCHEMA_VERSION; version++) {
      const older = schemaFile(version - 1);
      const newer = schemaFile(version);
      expect(newer.name).toBe(older.name);
      expect(newer.namespace).toBe(older.namespace);
      const olderFields = new Map(older.fields.map((f) => [f.name, f.type]));
      for (const [name, type] of olderFields) {
        expect(newer.fields.find((f) => f.name === name)?.type).toEqual(type);
      }
      for (const added of newer.fields.filter((f) => !olderFields.has(f.name))) {
        expect(added).toHaveProperty('default');
      }
    }
  });
});

describe('encodeReading', () => {
  it.each(VERSIONS)(
    'writes v%i as an Avro single-object message: C3 01, LE fingerprint, binary body',
    (version) => {
      const reading = makeReading({ vibrationRmsMmS: 2.5 });
      const bytes = encodeReading(reading, version);
      expect([...bytes.subarray(0, 2)]).toEqual([0xc3, 0x01]);
      expect([...bytes.subarray(2, SINGLE_OBJECT_HEADER_LENGTH)]).toEqual([
        ...fingerprintBytesLE(READING_SCHEMA_VERSIONS[version].fingerprint),
      ]);
      // An independently compiled type from the same file must produce the same body.
      const body = avro.Type.forSchema(schemaFile(version) as Schema).toBuffer(reading);
      expect(bytes.subarray(SINGLE_OBJECT_HEADER_LENGTH).equals(body)).toBe(true);
    },
  );

  it('defaults to v1', () => {
    expect(decodedOk(encodeReading(makeReading())).writerVersion).toBe(1);
  });

  it('returns a fresh buffer per call (the scratch buffer is never handed out)', () => {
    const first = encodeReading(makeReading({ deviceId: 'A' }));
    const copy = Buffer.from(first);
    encodeReading(makeReading({ deviceId: 'B' }));
    expect(first.equals(copy)).toBe(true);
  });

  it('grows past its scratch buffer for large strings', () => {
    const reading = makeReading({ firmware: 'x'.repeat(100_000) });
    expect(decodedOk(encodeReading(reading, 2)).reading.firmware).toBe(reading.firmware);
  });

  it.each([
    {
      name: 'an unknown quality type',
      overrides: { qualityType: 'X' as SensorReading['qualityType'] },
      path: 'qualityType',
    },
    { name: 'a fractional timestamp', overrides: { timestamp: 1.5 }, path: 'timestamp' },
    { name: 'an unsafe sequence number', overrides: { sequenceNumber: 2 ** 60 }, path: 'sequenceNumber' },
    {
      name: 'a missing device id',
      overrides: { deviceId: undefined as unknown as string },
      path: 'deviceId',
    },
    { name: 'a string temperature', overrides: { torqueNm: '40' as unknown as number }, path: 'torqueNm' },
  ])('refuses $name, naming the field', ({ overrides, path }) => {
    expect(() => encodeReading(makeReading(overrides))).toThrow(new RegExp(`schema v1: .*${path}`));
  });

  it('refuses an unknown schema version', () => {
    expect(() => encodeReading(makeReading(), 3 as ReadingSchemaVersion)).toThrow(RangeError);
  });
});

describe('round trip', () => {
  it('v1: the latest reader gets every field back and a null vibration; a v1 reader gets exactly the reading', () => {
    fc.assert(
      fc.property(sensorReadingV1, (reading) => {
        const bytes = encodeReading(reading, 1);
        const latest = decodedOk(bytes);
        expect(latest.writerVersion).toBe(1);
        expect(latest.reading).toEqual({ ...reading, vibrationRmsMmS: null });
        expect(decodedOk(bytes, 1).reading).toEqual(reading);
      }),
      { numRuns: 500 },
    );
  });

  it('v2: the latest reader gets every field back, an absent vibration as null', () => {
    fc.assert(
      fc.property(sensorReadingV2, (reading) => {
        const result = decodedOk(encodeReading(reading, 2));
        expect(result.writerVersion).toBe(2);
        expect(result.reading).toEqual({ ...reading, vibrationRmsMmS: reading.vibrationRmsMmS ?? null });
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the timestamp a plain number of milliseconds, not a Date', () => {
    const reading = decodedOk(encodeReading(makeReading(), 2)).reading;
    expect(typeof reading.timestamp).toBe('number');
    expect(reading.timestamp).toBe(makeReading().timestamp);
  });

  it('decodes a plain Uint8Array view at a non-zero offset the same as a Buffer', () => {
    const bytes = encodeReading(makeReading({ vibrationRmsMmS: 0.7 }), 2);
    const backing = new Uint8Array(bytes.length + 7);
    backing.set(bytes, 7);
    const view = backing.subarray(7);
    expect(Buffer.isBuffer(view)).toBe(false);
    expect(decodedOk(view).reading).toEqual(decodedOk(bytes).reading);
  });
});

describe('schema evolution', () => {
  it('a v2 reader reads v1 data, filling in the default null vibration', () => {
    const result = decodedOk(encodeReading(makeReading(), 1), 2);
    expect(result.reading.vibrationRmsMmS).toBeNull();
    expect(result.reading).toEqual({ ...makeReading(), vibrationRmsMmS: null });
  });

  it('a v1 reader reads v2 data, dropping the field it does not know', () => {
    fc.assert(
      fc.property(sensorReadingV2, (reading) => {
        const result = decodedOk(encodeReading(reading, 2), 1);
        expect(result.writerVersion).toBe(2);
        expect(result.reading).not.toHaveProperty('vibrationRmsMmS');
        expect(result.reading).toEqual(withoutVibration(reading));
      }),
      { numRuns: 300 },
    );
  });

  it('a v1 writer drops a vibration value it has no field for', () => {
    const result = decodedOk(encodeReading(makeReading({ vibrationRmsMmS: 3.2 }), 1));
    expect(result.reading.vibrationRmsMmS).toBeNull();
  });

  it('a v2 value survives to a v2 reader', () => {
    expect(decodedOk(encodeReading(makeReading({ vibrationRmsMmS: 3.2 }), 2)).reading.vibrationRmsMmS).toBe(
      3.2,
    );
  });
});
