import { readFileSync } from 'node:fs';
import avro, { type Schema } from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  CRC64_AVRO_EMPTY,
  crc64Avro,
  fingerprintBytesLE,
  fingerprintHex,
  parsingCanonicalForm,
  schemaFingerprint,
  toSigned64,
} from '../../../schemas/codec/crc64Avro.js';
import { InvalidSchemaError } from '../../../schemas/codec/errors.js';

interface Vector {
  schema: string;
  canonical: string;
  fingerprint: string;
}

// A copy of ../shared/data/avro-fingerprint-vectors.json (Apache Avro share/test/data/schema-tests.txt).
const { vectors } = JSON.parse(
  readFileSync(new URL('../../fixtures/codec/avro-fingerprint-vectors.json', import.meta.url), 'utf8'),
) as { vectors: Vector[] };

describe('Apache Avro reference vectors', () => {
  it('has all 24 vectors', () => {
    expect(vectors).toHaveLength(24);
  });

  describe.each(vectors.map((v, i) => ({ ...v, i })))('vector $i: $schema', (vector) => {
    it('gives the Parsing Canonical Form', () => {
      expect(parsingCanonicalForm(JSON.parse(vector.schema))).toBe(vector.canonical);
    });

    it('gives the CRC-64-AVRO fingerprint', () => {
      expect(toSigned64(schemaFingerprint(JSON.parse(vector.schema))).toString()).toBe(vector.fingerprint);
    });

    it('fingerprints the canonical text itself to the same value', () => {
      const bytes = new TextEncoder().encode(vector.canonical);
      expect(toSigned64(crc64Avro(bytes)).toString()).toBe(vector.fingerprint);
    });
  });

  it('agrees with avsc schema() wherever avsc accepts the schema, and shows where it does not', () => {
    const rejectedByAvsc: string[] = [];
    for (const vector of vectors) {
      let avscForm: string;
      try {
        avscForm = JSON.stringify(avro.Type.forSchema(JSON.parse(vector.schema) as Schema).schema());
      } catch {
        rejectedByAvsc.push(vector.canonical);
        continue;
      }
      expect(avscForm).toBe(parsingCanonicalForm(JSON.parse(vector.schema)));
    }
    // The empty union and a field default of the wrong type: valid for PCF, refused by avsc.
    expect(rejectedByAvsc).toEqual([
      '[]',
      '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]}',
    ]);
  });
});

describe('crc64Avro', () => {
  it('is the EMPTY constant for no bytes', () => {
    expect(crc64Avro(new Uint8Array())).toBe(CRC64_AVRO_EMPTY);
    expect(CRC64_AVRO_EMPTY).toBe(0xc15d213aa4d7a795n);
  });

  it('writes the fingerprint little-endian and as hex', () => {
    const fp = 0x0102030405060708n;
    expect([...fingerprintBytesLE(fp)]).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(fingerprintHex(fp)).toBe('0102030405060708');
    expect(fingerprintHex(toSigned64(0xfedcba9876543210n))).toBe('fedcba9876543210');
  });
});

describe('parsingCanonicalForm', () => {
  it.each([
    {
      name: 'strips logicalType, doc and default, keeping the underlying type',
      schema: {
        type: 'record',
        name: 'R',
        doc: 'x',
        fields: [
          { name: 't', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'ms' },
          { name: 'v', type: ['null', 'double'], default: null },
        ],
      },
      canonical:
        '{"name":"R","type":"record","fields":[{"name":"t","type":"long"},{"name":"v","type":["null","double"]}]}',
    },
    {
      name: 'qualifies nested named types and references with the enclosing namespace',
      schema: {
        type: 'record',
        name: 'R',
        namespace: 'a.b',
        fields: [
          { name: 'e', type: { type: 'enum', name: 'E', symbols: ['X'] } },
          { name: 'f', type: 'E' },
          { name: 'g', type: { type: 'fixed', name: 'c.F', size: '016' } },
          { name: 'h', type: { type: 'array', items: 'c.F' } },
        ],
      },
      canonical:
        '{"name":"a.b.R","type":"record","fields":[{"name":"e","type":{"name":"a.b.E","type":"enum","symbols":["X"]}},' +
        '{"name":"f","type":"a.b.E"},{"name":"g","type":{"name":"c.F","type":"fixed","size":16}},' +
        '{"name":"h","type":{"type":"array","items":"c.F"}}]}',
    },
    {
      name: 'falls back to the null namespace for references, as the Java implementation does',
      schema: [
        { type: 'enum', name: 'Top', symbols: ['A'] },
        { type: 'record', name: 'R', namespace: 'n', fields: [{ name: 'x', type: 'Top' }] },
      ],
      canonical:
        '[{"name":"Top","type":"enum","symbols":["A"]},{"name":"n.R","type":"record","fields":[{"name":"x","type":"Top"}]}]',
    },
  ])('$name', ({ schema, canonical }) => {
    expect(parsingCanonicalForm(schema)).toBe(canonical);
  });

  it.each([
    { name: 'an unknown type name', schema: 'Nope' },
    { name: 'a record without fields', schema: { type: 'record', name: 'R' } },
    { name: 'a named type without a name', schema: { type: 'enum', symbols: ['A'] } },
    { name: 'an invalid symbol', schema: { type: 'enum', name: 'E', symbols: ['a-b'] } },
    { name: 'a negative fixed size', schema: { type: 'fixed', name: 'F', size: -1 } },
    {
      name: 'a type defined twice',
      schema: [
        { type: 'enum', name: 'E', symbols: ['A'] },
        { type: 'enum', name: 'E', symbols: ['B'] },
      ],
    },
    { name: 'a number', schema: 42 },
  ])('rejects $name with a non-retryable InvalidSchemaError', ({ schema }) => {
    expect(() => parsingCanonicalForm(schema)).toThrow(InvalidSchemaError);
    try {
      parsingCanonicalForm(schema);
    } catch (error) {
      expect((error as InvalidSchemaError).code).toBe('SCHEMA_INVALID');
      expect((error as InvalidSchemaError).retryable).toBe(false);
    }
  });
});
