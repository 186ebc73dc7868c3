import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro, { type Schema } from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  crc64Avro,
  fingerprintBytesLE,
  fingerprintHex,
  quirkyCanonicalForm,
} from '../../../schemas/codec/crc64Avro.js';
import {
  ACCEPTED_FINGERPRINTS,
  CANONICAL_FORM_QUIRKS,
  decodeReading,
  READING_SCHEMA_VERSIONS,
  type ReadingSchemaVersion,
} from '../../../schemas/codec/readingCodec.js';

/** What each writer in test/fixtures/interop/ printed: its canonical form, fingerprint and one message per schema. */
interface WriterOutput {
  implementation: string;
  schemas: {
    version: ReadingSchemaVersion;
    canonicalForm: string;
    fingerprintHex: string;
    reading: Record<string, unknown>;
    messageBase64: string;
  }[];
}

const ROOT = new URL('../../../', import.meta.url).pathname;
const fixture = (name: string): WriterOutput =>
  JSON.parse(readFileSync(join(ROOT, 'test/fixtures/interop', name), 'utf8')) as WriterOutput;

/** How to run each writer again here, when its implementation is installed (see test/fixtures/interop/README.md). */
const WRITERS = {
  'java.json': {
    installed: () => existsSync('/usr/bin/javac') && existsSync('/usr/share/java/avro.jar'),
    run: (): string => {
      const classes = mkdtempSync(join(tmpdir(), 'pfm-interop-java-'));
      try {
        const cp = [
          'avro',
          'jackson-core-asl',
          'jackson-mapper-asl',
          'avro-guava-dependencies',
          'commons-compress',
          'slf4j-api',
        ]
          .map((j) => `/usr/share/java/${j}.jar`)
          .join(':');
        execFileSync('javac', ['-d', classes, '-cp', cp, 'test/fixtures/interop/JavaWriter.java'], {
          cwd: ROOT,
        });
        return execFileSync('java', ['-cp', `${classes}:${cp}`, 'JavaWriter'], {
          cwd: ROOT,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } finally {
        rmSync(classes, { recursive: true, force: true });
      }
    },
  },
  'python.json': {
    installed: () => existsSync('/usr/lib/python3/dist-packages/avro/schema.py'),
    run: (): string =>
      execFileSync('/usr/bin/python3', ['test/fixtures/interop/python_writer.py'], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
  },
  'go.json': {
    installed: () =>
      existsSync('/usr/bin/go') && existsSync('/usr/share/gocode/src/github.com/linkedin/goavro/codec.go'),
    run: (): string =>
      execFileSync('go', ['run', 'test/fixtures/interop/go_writer.go'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          GO111MODULE: 'off',
          GOPATH: '/usr/share/gocode',
          GOCACHE: join(tmpdir(), 'pfm-go-cache'),
        },
      }),
  },
} as const;

describe.each(Object.keys(WRITERS) as (keyof typeof WRITERS)[])('messages written by %s', (file) => {
  const output = fixture(file);

  it.each(output.schemas.map((s) => [s.version, s] as const))(
    `${output.implementation}: the v%i message decodes to the reading it wrote`,
    (version, written) => {
      const bytes = Buffer.from(written.messageBase64, 'base64');
      // The fingerprint on the wire is the one the implementation computed for its own canonical form.
      expect(fingerprintHex(bytes.readBigUInt64LE(2))).toBe(written.fingerprintHex);
      expect(fingerprintHex(crc64Avro(new TextEncoder().encode(written.canonicalForm)))).toBe(
        written.fingerprintHex,
      );
      const decoded = decodeReading(bytes);
      expect(decoded).toMatchObject({ ok: true, writerVersion: version });
      expect(decoded.ok && decoded.reading).toEqual({ vibrationRmsMmS: null, ...written.reading });
      // The codec knows this printed form: the specification's, or one of the documented quirks.
      const accepted = ACCEPTED_FINGERPRINTS.find((a) => a.fingerprintHex === written.fingerprintHex);
      expect(accepted?.version).toBe(version);
    },
  );

  const writer = WRITERS[file];
  it.skipIf(!writer.installed())(`is what ${output.implementation} writes today (run again here)`, () => {
    expect(JSON.parse(writer.run())).toEqual(output);
  });
  if (!writer.installed()) {
    console.warn(
      `SKIPPED re-running the ${file} writer: its implementation is not installed (see test/fixtures/interop/README.md)`,
    );
  }
});

describe('the documented canonical-form quirks', () => {
  it('reproduce exactly what each implementation printed', () => {
    const printed = {
      specification: fixture('java.json'),
      'python3-avro 1.11 (Apache Avro for Python)': fixture('python.json'),
      goavro: fixture('go.json'),
    };
    for (const [producer, output] of Object.entries(printed)) {
      for (const s of output.schemas) {
        const schema = READING_SCHEMA_VERSIONS[s.version].schema;
        const quirks =
          producer === 'specification'
            ? { logicalTypeObject: false, nestedShortNames: false }
            : CANONICAL_FORM_QUIRKS[producer as keyof typeof CANONICAL_FORM_QUIRKS];
        expect(quirkyCanonicalForm(schema, quirks), `${producer} v${s.version}`).toBe(s.canonicalForm);
      }
    }
  });

  it('every version has the specification fingerprint and one alias per distinct quirk', () => {
    expect(ACCEPTED_FINGERPRINTS.map((a) => [a.version, a.producer, a.fingerprintHex])).toEqual([
      [1, 'specification', '61f327273cfcbd27'],
      [1, 'python3-avro 1.11 (Apache Avro for Python)', 'c44ec5110b73940f'],
      [1, 'goavro', '995476814dcd6752'],
      [2, 'specification', '8c45195671676d91'],
      [2, 'python3-avro 1.11 (Apache Avro for Python)', 'a8af6eff4292988b'],
      [2, 'goavro', 'a12d154b520e1fea'],
    ]);
  });
});

describe('JavaScript (avsc, the npm package this project encodes with)', () => {
  /** A producer's logical type for timestamp-millis: Date in, long on the wire (avsc's documented LogicalType). */
  class DateType extends avro.types.LogicalType {
    override _fromValue(value: unknown): Date {
      return new Date(value as number);
    }
    override _toValue(date: unknown): unknown {
      return date instanceof Date ? date.getTime() : date;
    }
    override _resolve(type: avro.Type): unknown {
      if (avro.Type.isType(type, 'long', 'logical:timestamp-millis')) return this._fromValue.bind(this);
      return undefined;
    }
  }

  it.each([1, 2] as const)(
    'v%i: avsc prints the specification canonical form, with or without a logical type, and its message decodes',
    (version) => {
      const schema = READING_SCHEMA_VERSIONS[version].schema as Schema;
      const plain = avro.Type.forSchema(schema);
      const logical = avro.Type.forSchema(schema, { logicalTypes: { 'timestamp-millis': DateType } });
      // avsc has no CRC-64-AVRO of its own: a producer fingerprints schema(), avsc's canonical form.
      const canonical = JSON.stringify(logical.schema());
      expect(JSON.stringify(plain.schema())).toBe(canonical);
      const fingerprint = crc64Avro(new TextEncoder().encode(canonical));
      expect(fingerprint).toBe(READING_SCHEMA_VERSIONS[version].fingerprint);
      const reading = {
        deviceId: 'M-0042',
        timestamp: new Date(1767225600123),
        sequenceNumber: 7,
        firmware: '2.4.1',
        qualityType: 'M',
        airTemperatureK: 300.1,
        processTemperatureK: 310.2,
        rotationalSpeedRpm: 1500,
        torqueNm: 40.5,
        toolWearMin: 12,
        ...(version === 2 ? { vibrationRmsMmS: 2.25 } : {}),
      };
      const message = Buffer.concat([
        Buffer.from([0xc3, 0x01]),
        fingerprintBytesLE(fingerprint),
        logical.toBuffer(reading),
      ]);
      const decoded = decodeReading(message);
      expect(decoded.ok && decoded.reading).toEqual({
        vibrationRmsMmS: null,
        ...reading,
        timestamp: 1767225600123,
      });
    },
  );
});
