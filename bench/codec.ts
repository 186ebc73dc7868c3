import { pathToFileURL } from 'node:url';
import { decodeReading, encodeReading, type ReadingSchemaVersion } from '../schemas/codec/readingCodec.js';
import { QUALITY_TYPES, type SensorReading } from '../schemas/reading.js';

const SAMPLE_SIZE = 10_000;
const ROUNDS = 5;
const ROUND_MS = 400;

function sampleReadings(): SensorReading[] {
  // Deterministic, AI4I-like spread so string lengths and varint sizes vary as on a real stream.
  return Array.from({ length: SAMPLE_SIZE }, (_, i) => ({
    deviceId: `M-${String(i % 500).padStart(4, '0')}`,
    timestamp: 1_704_067_200_000 + i * 1000,
    sequenceNumber: i,
    firmware: i % 3 === 0 ? '1.4.2' : '2.0.0-rc.1',
    qualityType: QUALITY_TYPES[i % 3] ?? 'M',
    airTemperatureK: 298 + (i % 50) / 10,
    processTemperatureK: 308 + (i % 40) / 10,
    rotationalSpeedRpm: 1200 + (i % 1600),
    torqueNm: 20 + (i % 500) / 10,
    toolWearMin: i % 250,
    vibrationRmsMmS: i % 4 === 0 ? null : 1 + (i % 90) / 10,
  }));
}

/** Runs `op` over the sample for a few fixed-length rounds; returns the best rate in records per second. */
function measure(count: number, op: (i: number) => unknown): number {
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink ^= op(i % count) === undefined ? 1 : 0; // warm-up for the JIT
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let done = 0;
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(ROUND_MS) * 1_000_000n;
    let now = start;
    while (now < deadline) {
      for (let i = 0; i < count; i++) sink ^= op(i) === undefined ? 1 : 0;
      done += count;
      now = process.hrtime.bigint();
    }
    best = Math.max(best, done / (Number(now - start) / 1e9));
  }
  if (sink === 42) console.log(''); // keeps the results observable so the loop is not optimised away
  return best;
}

function line(label: string, rate: number): void {
  console.log(
    `codec  ${label.padEnd(40)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} records/s`,
  );
}

/** Measures encode and decode throughput of the reading codec on one core and prints records/s. */
export async function benchCodec(): Promise<void> {
  const readings = sampleReadings();
  const encoded = (version: ReadingSchemaVersion) => readings.map((r) => encodeReading(r, version));
  const v1 = encoded(1);
  const v2 = encoded(2);
  const v2Plain = v2.map((b) => new Uint8Array(b)); // Kinesis SDKs hand out Uint8Array, not Buffer
  const poison = v1.map((b) => {
    const copy = Buffer.from(b);
    copy[copy.length - 41] = 0x0a; // enum index 5 in the qualityType position: a CORRUPT_BODY path
    return copy;
  });
  let poisonCount = 0;
  for (const p of poison) if (!decodeReading(p).ok) poisonCount++;

  console.log(
    `codec  sample: ${SAMPLE_SIZE} readings, ${v1[0]?.length ?? 0}-${v2[0]?.length ?? 0} bytes each`,
  );
  line(
    'encode v1',
    measure(SAMPLE_SIZE, (i) => encodeReading(readings[i] as SensorReading, 1)),
  );
  line(
    'encode v2',
    measure(SAMPLE_SIZE, (i) => encodeReading(readings[i] as SensorReading, 2)),
  );
  line(
    'decode v2 -> v2 reader (Buffer)',
    measure(SAMPLE_SIZE, (i) => decodeReading(v2[i] as Buffer)),
  );
  line(
    'decode v2 -> v2 reader (Uint8Array)',
    measure(SAMPLE_SIZE, (i) => decodeReading(v2Plain[i] as Uint8Array)),
  );
  line(
    'decode v1 -> v2 reader (resolved)',
    measure(SAMPLE_SIZE, (i) => decodeReading(v1[i] as Buffer)),
  );
  line(
    `decode poison, bad enum (${poisonCount}/${SAMPLE_SIZE} poison)`,
    measure(SAMPLE_SIZE, (i) => decodeReading(poison[i] as Buffer)),
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchCodec();
}
