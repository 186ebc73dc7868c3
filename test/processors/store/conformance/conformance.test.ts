import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelArtifacts } from '../../../../model/artifacts.js';
import type { ModelArtifacts, Scorer } from '../../../../model/types.js';
import { createAgentTools } from '../../../../processors/agent/core.js';
import { createInferenceCore } from '../../../../processors/inference/core.js';
import { createHandler } from '../../../../processors/inference/handler.js';
import { decodeReading, encodeReading } from '../../../../schemas/codec/readingCodec.js';
import type { SensorReading } from '../../../../schemas/reading.js';
import { INFLUXD, skipWithout } from '../../../helpers/engines.js';
import { useInfluxServer } from '../../../helpers/influxServer.js';
import { TimestreamStandIn } from '../../../helpers/timestreamStandIn.js';
import { TimestreamQueryStandIn } from '../../agent/timestreamQueryStandIn.js';
import {
  duckDbStore,
  influxDbStore,
  type PredictionView,
  type QuarantineView,
  type StoreUnderTest,
  timestreamStore,
} from './stores.js';

/**
 * The store conformance suite (issue 13): one set of cases, each delivered through the real inference handler
 * (decode, validate, score, sink, quarantine) to DuckDB, a real InfluxDB and Timestream (the unmodified SDK
 * against the stand-in); every store must end with the same predictions and the same quarantine, read back, and
 * the agent's tools must answer the same on each store that has period queries.
 */

// Locally a missing influxd skips the InfluxDB column (with the reason printed); on CI it fails the run.
const withInfluxd = !skipWithout(INFLUXD, 'the InfluxDB column of the store conformance suite');

const DATABASE = 'pfm';
const NOW = Date.now();
const T0 = NOW - 2 * 3_600_000; // inside Timestream's memory store (6 h back)
const artifacts = await loadModelArtifacts();

/** Two releases of a model: B is newer (higher sequence) and scores every mode at half of A. */
const MODELS = {
  a: { ...artifacts, modelName: 'pfm-conformance', modelVersion: 'model-a', modelSequence: 1 },
  b: { ...artifacts, modelName: 'pfm-conformance', modelVersion: 'model-b', modelSequence: 2 },
} satisfies Record<string, ModelArtifacts>;

/** A hand-written deterministic scorer: each class's probability from the scaled features, scaled by `factor`. */
function scorer(factor: number): Scorer {
  const classes = artifacts.classes.length;
  const features = artifacts.features.length;
  return {
    featureCount: features,
    classCount: classes,
    async score(x, n) {
      const out = new Float32Array(n * classes);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < classes; c++) {
          const z = (x[i * features + (c % features)] as number) * 1.7 - 1;
          out[i * classes + c] = factor / (1 + Math.exp(-z));
        }
      }
      return out;
    },
  };
}

/** One Kinesis record: shard, sequence number, partition key, bytes, arrival time. */
interface Put {
  shard: string;
  sequence: number;
  partitionKey: string;
  data: Uint8Array;
  arrival: number;
}

const DEVICES = ['M-0001', 'M-0002', 'M-0003', 'M-0004'];
const shardOf = (device: string) => `shardId-00000000000${DEVICES.indexOf(device) % 2}`;

function reading(device: string, i: number, overrides: Partial<SensorReading> = {}): SensorReading {
  const d = DEVICES.indexOf(device);
  return {
    deviceId: device,
    timestamp: T0 + i * 60_000 + d * 7,
    sequenceNumber: i,
    firmware: `2.${d}.1`,
    qualityType: (['L', 'M', 'H'] as const)[d % 3] as SensorReading['qualityType'],
    airTemperatureK: 298 + d + (i % 5) * 0.3,
    processTemperatureK: 308.5 + d + (i % 7) * 0.2,
    rotationalSpeedRpm: 1380 + d * 40 + i * 3,
    torqueNm: 35 + (i % 11) * 2.5 + d,
    toolWearMin: i * 9 + d * 30,
    vibrationRmsMmS: d === 3 ? 1.5 + i / 10 : null,
    ...overrides,
  };
}

/** The base stream: 4 machines x 15 readings, on 2 shards, put in reading order. */
function basePuts(): Put[] {
  const puts: Put[] = [];
  const next = new Map<string, number>();
  for (let i = 0; i < 15; i++) {
    for (const device of DEVICES) {
      const r = reading(device, i);
      puts.push(
        put(next, shardOf(device), device, encodeReading(r, device === 'M-0004' ? 2 : 1), r.timestamp + 40),
      );
    }
  }
  return puts;
}

function put(next: Map<string, number>, shard: string, key: string, data: Uint8Array, arrival: number): Put {
  const sequence = (next.get(shard) ?? 1000) + 1;
  next.set(shard, sequence);
  return { shard, sequence, partitionKey: key, data, arrival };
}

/** Puts appended after the base stream, numbered after it on their shard. */
function more(
  base: readonly Put[],
  extra: { shard: string; key: string; data: Uint8Array; arrival: number }[],
): Put[] {
  const next = new Map<string, number>();
  for (const p of base) next.set(p.shard, Math.max(next.get(p.shard) ?? 0, p.sequence));
  return extra.map((e) => put(next, e.shard, e.key, e.data, e.arrival));
}

function event(puts: readonly Put[]): KinesisStreamEvent {
  return {
    Records: puts.map((p) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: p.partitionKey,
        sequenceNumber: String(p.sequence),
        data: Buffer.from(p.data).toString('base64'),
        approximateArrivalTimestamp: p.arrival / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${p.shard}:${p.sequence}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/test',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/pfm',
    })),
  };
}

/** Batches as a shard's event source would cut them: per shard, `size` records at a time, in order. */
function batches(puts: readonly Put[], size = 10): Put[][] {
  const shards = [...new Set(puts.map((p) => p.shard))].sort();
  const out: Put[][] = [];
  for (const shard of shards) {
    const own = puts.filter((p) => p.shard === shard);
    for (let i = 0; i < own.length; i += size) out.push(own.slice(i, i + size));
  }
  return out;
}

type Delivery = { model: keyof typeof MODELS; batches: Put[][] };

/** Delivers every batch through the real handler to the store; returns the handler's own counts. */
async function deliver(store: StoreUnderTest, deliveries: readonly Delivery[]) {
  let received = 0;
  let scored = 0;
  let quarantined = 0;
  for (const d of deliveries) {
    const handler = createHandler({
      core: createInferenceCore({
        decode: decodeReading,
        scorer: scorer(d.model === 'a' ? 1 : 0.5),
        model: MODELS[d.model],
        now: () => NOW,
      }),
      sink: store.sink,
      quarantine: store.quarantine,
      onOutcome: (o) => {
        received += o.received;
        scored += o.predictions.length;
        quarantined += o.quarantined.length;
      },
    });
    for (const batch of d.batches) {
      const response = await handler(event(batch));
      expect(response.batchItemFailures).toEqual([]);
    }
  }
  return { received, scored, quarantined };
}

interface Case {
  name: string;
  deliveries: () => Delivery[];
  /** What every store must end with, besides being equal to the others. */
  expect: { predictions: number; quarantine: Record<string, number>; models?: string[] };
}

const base = basePuts();
const once: Delivery[] = [{ model: 'a', batches: batches(base) }];

const duplicatePuts = more(
  base,
  [0, 5, 9].map((i) => {
    const r = reading('M-0002', i);
    return {
      shard: shardOf('M-0002'),
      key: 'M-0002',
      data: encodeReading(r, 2),
      arrival: T0 + 3_600_000 + i,
    };
  }),
);
const conflicts = more(
  base,
  [1, 2, 3].map((i) => {
    const r = reading('M-0003', i, { torqueNm: 61.25 });
    return {
      shard: shardOf('M-0003'),
      key: 'M-0003',
      data: encodeReading(r, 1),
      arrival: T0 + 3_600_000 + i,
    };
  }),
);
const HOSTILE_IDS = [
  'press 7',
  'M-1\\',
  'a,b=c d',
  'M"q"',
  "M-1'; DROP TABLE predictions; --",
  'M-\n1',
  'Mä-ü',
  '',
];
const hostile = more(base, [
  ...HOSTILE_IDS.map((id, i) => ({
    shard: 'shardId-000000000000',
    key: id === '' ? 'empty' : id,
    data: encodeReading(reading('M-0001', 100 + i, { deviceId: id })),
    arrival: T0 + 3_600_000 + i,
  })),
  {
    shard: 'shardId-000000000001',
    key: 'M-0002',
    data: encodeReading(reading('M-0002', 20, { firmware: 'fw\n"2"\\' })),
    arrival: T0 + 3_600_100,
  },
  { shard: 'shardId-000000000001', key: 'p "k"\n,=', data: new Uint8Array([0xc3]), arrival: T0 + 3_600_200 },
  {
    shard: 'shardId-000000000001',
    key: 'x',
    data: new TextEncoder().encode('{"deviceId":"M-0002"}'),
    arrival: T0 + 3_600_200,
  },
]);

const CASES: Case[] = [
  { name: 'once', deliveries: () => once, expect: { predictions: 60, quarantine: {} } },
  {
    name: 'redelivered (a batch again, then the whole stream again)',
    deliveries: () => [
      { model: 'a', batches: batches(base) },
      { model: 'a', batches: batches(base).slice(2, 3) },
      { model: 'a', batches: batches(base, 7) },
    ],
    expect: { predictions: 60, quarantine: {} },
  },
  {
    name: 'reordered (shards interleaved the other way, batches cut differently)',
    deliveries: () => [{ model: 'a', batches: batches(base, 4).reverse() }],
    expect: { predictions: 60, quarantine: {} },
  },
  {
    name: "a producer's duplicate put (same reading, new record)",
    deliveries: () => [{ model: 'a', batches: batches([...base, ...duplicatePuts]) }],
    expect: { predictions: 60, quarantine: {} },
  },
  {
    name: 'a conflicting reading with the same identity, redelivered',
    deliveries: () => [
      { model: 'a', batches: batches([...base, ...conflicts]) },
      { model: 'a', batches: batches(conflicts) },
    ],
    expect: { predictions: 60, quarantine: { READING_CONFLICT: 3 } },
  },
  {
    name: 'a conflicting reading scored by a newer model',
    deliveries: () => [
      { model: 'a', batches: batches(base) },
      { model: 'b', batches: batches(conflicts) },
    ],
    expect: { predictions: 60, quarantine: { READING_CONFLICT: 3 }, models: ['model-a'] },
  },
  {
    name: 're-score with a newer model, then a replay by the older one',
    deliveries: () => [
      { model: 'a', batches: batches(base) },
      { model: 'b', batches: batches(base, 25) },
      { model: 'a', batches: batches(base) },
    ],
    expect: { predictions: 60, quarantine: {}, models: ['model-b'] },
  },
  {
    name: 'hostile ids, firmware and partition keys, and poison',
    deliveries: () => [
      { model: 'a', batches: batches([...base, ...hostile]) },
      { model: 'a', batches: batches(hostile) },
    ],
    expect: { predictions: 60, quarantine: { INVALID_FIELD: 9, TOO_SHORT: 1, BAD_MARKER: 1 } },
  },
];

let timestreamWrite: TimestreamStandIn;
let timestreamQuery: TimestreamQueryStandIn;
const influxd = withInfluxd ? useInfluxServer() : undefined;

beforeAll(async () => {
  timestreamWrite = await TimestreamStandIn.start();
  timestreamQuery = await TimestreamQueryStandIn.start({ database: DATABASE });
});
afterAll(async () => {
  await timestreamWrite?.stop();
  await timestreamQuery?.stop();
});

async function openStores(): Promise<StoreUnderTest[]> {
  timestreamWrite.reset();
  const stores = [await duckDbStore(), timestreamStore(timestreamWrite, timestreamQuery, DATABASE)];
  if (influxd !== undefined) stores.push(await influxDbStore(influxd));
  return stores;
}

/** Whole-number and rounding-free comparison of two stores' predictions (doubles compared exactly). */
function summary(predictions: readonly PredictionView[], quarantine: readonly QuarantineView[]) {
  const byCode: Record<string, number> = {};
  for (const q of quarantine) byCode[q.code] = (byCode[q.code] ?? 0) + 1;
  return {
    predictions: predictions.length,
    identities: new Set(predictions.map((p) => `${p.deviceId}|${p.time}`)).size,
    models: [...new Set(predictions.map((p) => p.modelVersion))].sort(),
    byCode,
  };
}

/** What the agent's tools answer over the store (the same calls on each store), as JSON. */
async function agentAnswers(store: StoreUnderTest): Promise<unknown[] | undefined> {
  const queries = await store.periodQueries();
  if (queries === undefined) return undefined;
  const tools = createAgentTools({
    queries,
    now: () => NOW,
    eventsUnavailableReason: 'not part of this suite',
  });
  const answers: unknown[] = [];
  answers.push(await tools.run('fleet_summary', { period: 'last 6 hours' }));
  answers.push(await tools.run('top_at_risk', { period: 'last 6 hours', limit: 10, window: 5 }));
  for (const device of DEVICES) {
    answers.push(
      await tools.run('machine_history', { machine_id: device, period: 'last 6 hours', limit: 5 }),
    );
  }
  return JSON.parse(JSON.stringify(answers));
}

/** The results of the case matrix, printed at the end (cases x stores). */
const matrix: string[] = [];

describe('store conformance: every store ends the same', () => {
  afterAll(() => {
    if (matrix.length > 0)
      console.log(`store conformance matrix (case: stores that matched DuckDB)\n${matrix.join('\n')}`);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const stores = await openStores();
    try {
      const ends: { store: StoreUnderTest; predictions: PredictionView[]; quarantine: QuarantineView[] }[] =
        [];
      for (const store of stores) {
        const counts = await deliver(store, c.deliveries());
        // The run's own counts add up: every record received was scored or quarantined, never both.
        expect(counts.scored + counts.quarantined, store.name).toBe(counts.received);
        ends.push({ store, predictions: await store.predictions(), quarantine: await store.quarantined() });
      }
      const [reference, ...others] = ends as [(typeof ends)[number], ...typeof ends];
      const expected = summary(reference.predictions, reference.quarantine);
      expect(expected).toMatchObject({
        predictions: c.expect.predictions,
        identities: c.expect.predictions,
        byCode: c.expect.quarantine,
        ...(c.expect.models ? { models: c.expect.models } : {}),
      });
      for (const other of others) {
        expect(other.predictions, `${other.store.name} predictions`).toEqual(reference.predictions);
        expect(other.quarantine, `${other.store.name} quarantine`).toEqual(reference.quarantine);
      }
      const answers = await Promise.all(stores.map((s) => agentAnswers(s)));
      const referenceAnswers = answers[0];
      stores.forEach((s, i) => {
        if (answers[i] !== undefined) expect(answers[i], `${s.name} agent answers`).toEqual(referenceAnswers);
      });
      matrix.push(
        `${c.name}: ${stores.map((s, i) => `${s.name}${answers[i] === undefined ? ' (stored state; no agent adapter)' : ' (stored state + agent)'}`).join(', ')}`,
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
