import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelArtifacts } from '../../../model/artifacts.js';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../../model/features.js';
import type { ModelArtifacts, ScalerParams, Scorer } from '../../../model/types.js';
import { createInferenceCore, type InferenceCoreDeps } from '../../../processors/inference/core.js';
import type { InputRecord, PredictionRow } from '../../../processors/inference/types.js';
import { decodeReading, encodeReading } from '../../../schemas/codec/readingCodec.js';
import type { SensorReading } from '../../../schemas/reading.js';
import { readingDigest } from '../../../schemas/readingIdentity.js';

// The pure inference core with the real codec, the real model artifacts (classes, thresholds, scaler) and a fake
// scorer whose every output names its cell, so a value in the wrong column or on the wrong row shows at once.

const NOW = Date.UTC(2024, 0, 15, 9, 0, 0);
/** When the stream received record `sequence` (its Kinesis arrival time): well before the processor's clock. */
const arrived = (sequence: string): number => NOW - 60_000 + Number(sequence);
const WEAR = FEATURE_NAMES.indexOf('tool_wear_min');

/** Probability of reading `id`, output column `column`: distinct for every cell, and below every threshold. */
const cell = (id: number, column: number): number => (id * 10 + column + 1) / 1000;
const f32 = Math.fround;

/**
 * A scorer that recognises each row's reading by its tool wear (the test gives every reading a distinct whole
 * number of minutes, read back from the scaled matrix) and answers `probability(id, column)` for its cells.
 */
class CellScorer implements Scorer {
  readonly featureCount = FEATURE_COUNT;
  /** The reading ids of each call, in row order. */
  readonly calls: number[][] = [];

  constructor(
    readonly classCount: number,
    private readonly scaler: ScalerParams,
    private readonly probability: (id: number, column: number) => number = cell,
  ) {}

  async score(x: Float32Array, n: number): Promise<Float32Array> {
    const mean = this.scaler.mean[WEAR] as number;
    const scale = this.scaler.scale[WEAR] as number;
    const ids: number[] = [];
    const out = new Float32Array(n * this.classCount);
    for (let row = 0; row < n; row++) {
      const id = Math.round((x[row * FEATURE_COUNT + WEAR] as number) * scale + mean);
      ids.push(id);
      for (let column = 0; column < this.classCount; column++) {
        out[row * this.classCount + column] = this.probability(id, column);
      }
    }
    this.calls.push(ids);
    return out;
  }
}

/** A valid reading whose id is its tool wear; every other field is distinct per id too. */
function reading(id: number, overrides: Partial<SensorReading> = {}): SensorReading {
  return {
    deviceId: `M-000${id}`,
    timestamp: Date.UTC(2024, 0, 15, 8, 0, id),
    sequenceNumber: 500 + id,
    firmware: `fw-1.${id}`,
    qualityType: (['L', 'M', 'H'] as const)[id % 3] as SensorReading['qualityType'],
    airTemperatureK: 298 + id / 4,
    processTemperatureK: 308 + id / 4,
    rotationalSpeedRpm: 1400 + id,
    torqueNm: 35 + id,
    toolWearMin: id,
    ...overrides,
  };
}

/** A Kinesis record on shard `shard` with sequence number `sequence`; partition key = the device. */
function record(shard: number, sequence: string, partitionKey: string, data: Uint8Array): InputRecord {
  return {
    eventId: `shardId-00000000000${shard}:${sequence}`,
    sequenceNumber: sequence,
    partitionKey,
    arrivalTime: arrived(sequence),
    data,
  };
}

let artifacts: ModelArtifacts;
beforeAll(async () => {
  artifacts = await loadModelArtifacts();
});

function core(model: InferenceCoreDeps['model'] = artifacts, scorer?: CellScorer) {
  const s = scorer ?? new CellScorer(model.classes.length, model.scaler);
  return {
    scorer: s,
    core: createInferenceCore({ decode: decodeReading, scorer: s, model, now: () => NOW }),
  };
}

describe('inference core: columns', () => {
  it('reads each failure mode and ANY from its own column of the shipped class order', async () => {
    // classes.txt: TWF HDF PWF OSF RNF ANY -> columns 0..5.
    expect(artifacts.classes).toEqual(['TWF', 'HDF', 'PWF', 'OSF', 'RNF', 'ANY']);
    const { core: c } = core();
    const out = await c.inferBatch([
      record(0, '1', 'M-0003', encodeReading(reading(3))),
      record(0, '2', 'M-0007', encodeReading(reading(7))),
    ]);
    expect(out.predictions.map((p) => [p.probabilities, p.anyFailureProbability])).toEqual([
      [{ TWF: f32(0.031), HDF: f32(0.032), PWF: f32(0.033), OSF: f32(0.034), RNF: f32(0.035) }, f32(0.036)],
      [{ TWF: f32(0.071), HDF: f32(0.072), PWF: f32(0.073), OSF: f32(0.074), RNF: f32(0.075) }, f32(0.076)],
    ]);
  });

  it('finds the columns by class name, not by position (reversed class order)', async () => {
    const reversed = {
      ...artifacts,
      classes: [...artifacts.classes].reverse(),
      thresholds: [...artifacts.thresholds].reverse(),
    };
    // ANY RNF OSF PWF HDF TWF -> columns 0..5.
    const { core: c } = core(reversed);
    const out = await c.inferBatch([record(0, '1', 'M-0003', encodeReading(reading(3)))]);
    expect(out.predictions[0]?.probabilities).toEqual({
      TWF: f32(0.036),
      HDF: f32(0.035),
      PWF: f32(0.034),
      OSF: f32(0.033),
      RNF: f32(0.032),
    });
    expect(out.predictions[0]?.anyFailureProbability).toBe(f32(0.031));
  });

  it('refuses a model whose classes lack a failure mode or ANY', () => {
    const noHdf = { ...artifacts, classes: ['TWF', 'PWF', 'OSF', 'RNF', 'ANY'] };
    expect(() => core(noHdf)).toThrow(
      'model classes TWF,PWF,OSF,RNF,ANY must include TWF,HDF,PWF,OSF,RNF,ANY',
    );
  });
});

describe('inference core: every record ends in exactly one place', () => {
  // Two shards interleaved; decode failures, validation failures and good readings mixed.
  const input = (): InputRecord[] => [
    record(0, '100', 'M-0001', encodeReading(reading(1))),
    record(1, '200', 'M-0009', Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 0, 0])),
    record(0, '101', 'M-0002', encodeReading(reading(2, { torqueNm: -5 }))),
    record(1, '201', 'M-0003', encodeReading(reading(3), 2)),
    record(0, '102', 'M-0004', encodeReading(reading(4, { timestamp: NOW + 2 * 86_400_000 }))),
    record(1, '202', 'M-0001', encodeReading(reading(5, { deviceId: 'M-0001', sequenceNumber: 777 }))),
    record(0, '103', 'M-0008', encodeReading(reading(8)).subarray(0, 20)),
    record(1, '203', 'M-0006', encodeReading(reading(6))),
  ];

  it('scores the good records once, in one run, and quarantines the rest with their stage, code and raw bytes', async () => {
    const records = input();
    const { core: c, scorer } = core();
    const out = await c.inferBatch(records);

    // Never both, never neither: the two lists partition the input.
    const scored = new Set(out.predictions.map((p) => p.source.eventId));
    const turnedAway = new Set(out.quarantined.map((q) => q.source.eventId));
    expect(
      [...scored].filter((id) => turnedAway.has(id)),
      'records both scored and quarantined',
    ).toEqual([]);
    expect(out.predictions.length + out.quarantined.length).toBe(out.received);
    expect(new Set([...scored, ...turnedAway])).toEqual(new Set(records.map((r) => r.eventId)));

    expect(scorer.calls).toEqual([[1, 3, 5, 6]]);
    expect(out.received).toBe(8);
    expect(out.predictions.map((p) => p.source.eventId)).toEqual([
      'shardId-000000000000:100',
      'shardId-000000000001:201',
      'shardId-000000000001:202',
      'shardId-000000000001:203',
    ]);
    expect(out.quarantined.map((q) => [q.source.eventId, q.stage, q.code, q.deviceId])).toEqual([
      ['shardId-000000000001:200', 'decode', 'BAD_MARKER', null],
      ['shardId-000000000000:101', 'validate', 'OUT_OF_RANGE', 'M-0002'],
      ['shardId-000000000000:102', 'validate', 'TIMESTAMP_OUT_OF_RANGE', 'M-0004'],
      ['shardId-000000000000:103', 'decode', 'TRUNCATED_BODY', null],
    ]);
  });

  it('keeps each quarantined record whole: its source ids, raw bytes, arrival time and reason', async () => {
    const records = input();
    const { core: c } = core();
    const out = await c.inferBatch(records);
    const torque = out.quarantined[1];
    expect(torque).toEqual({
      source: {
        eventId: 'shardId-000000000000:101',
        sequenceNumber: '101',
        partitionKey: 'M-0002',
        arrivalTime: arrived('101'),
      },
      receivedAt: arrived('101'), // the record's arrival on the stream, not the processor's clock
      stage: 'validate',
      code: 'OUT_OF_RANGE',
      reason: 'torqueNm=-5 outside the physical range [0, 500]',
      deviceId: 'M-0002',
      raw: records[2]?.data,
    });
    expect(out.quarantined[0]).toMatchObject({
      source: {
        eventId: 'shardId-000000000001:200',
        sequenceNumber: '200',
        partitionKey: 'M-0009',
        arrivalTime: arrived('200'),
      },
      receivedAt: arrived('200'),
      reason: 'starts with de ad, expected c3 01 (Avro single-object encoding)',
    });
    expect([...(out.quarantined[0]?.raw ?? [])]).toEqual([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(out.quarantined[3]?.source).toEqual({
      eventId: 'shardId-000000000000:103',
      sequenceNumber: '103',
      partitionKey: 'M-0008',
      arrivalTime: arrived('103'),
    });
    expect(out.quarantined[3]?.raw).toHaveLength(20);
  });

  it("carries each reading's fields and source ids to its own row", async () => {
    const { core: c } = core();
    const out = await c.inferBatch(input());
    const common = {
      modelName: artifacts.modelName,
      modelVersion: artifacts.modelVersion,
      modelSequence: artifacts.modelSequence,
      failure: false,
      predictedModes: [],
    };
    expect(out.predictions).toEqual<PredictionRow[]>([
      {
        ...common,
        time: Date.UTC(2024, 0, 15, 8, 0, 1),
        deviceId: 'M-0001',
        qualityType: 'M',
        firmware: 'fw-1.1',
        readingSequence: 501,
        readingDigest: readingDigest(reading(1)),
        probabilities: {
          TWF: f32(0.011),
          HDF: f32(0.012),
          PWF: f32(0.013),
          OSF: f32(0.014),
          RNF: f32(0.015),
        },
        anyFailureProbability: f32(0.016),
        airTemperatureK: 298.25,
        processTemperatureK: 308.25,
        rotationalSpeedRpm: 1401,
        torqueNm: 36,
        toolWearMin: 1,
        source: {
          eventId: 'shardId-000000000000:100',
          sequenceNumber: '100',
          partitionKey: 'M-0001',
          arrivalTime: arrived('100'),
        },
      },
      {
        ...common,
        time: Date.UTC(2024, 0, 15, 8, 0, 3),
        deviceId: 'M-0003',
        qualityType: 'L',
        firmware: 'fw-1.3',
        readingSequence: 503,
        readingDigest: readingDigest(reading(3)),
        probabilities: {
          TWF: f32(0.031),
          HDF: f32(0.032),
          PWF: f32(0.033),
          OSF: f32(0.034),
          RNF: f32(0.035),
        },
        anyFailureProbability: f32(0.036),
        airTemperatureK: 298.75,
        processTemperatureK: 308.75,
        rotationalSpeedRpm: 1403,
        torqueNm: 38,
        toolWearMin: 3,
        source: {
          eventId: 'shardId-000000000001:201',
          sequenceNumber: '201',
          partitionKey: 'M-0003',
          arrivalTime: arrived('201'),
        },
      },
      {
        ...common,
        time: Date.UTC(2024, 0, 15, 8, 0, 5),
        deviceId: 'M-0001',
        qualityType: 'H',
        firmware: 'fw-1.5',
        readingSequence: 777,
        readingDigest: readingDigest(reading(5, { deviceId: 'M-0001', sequenceNumber: 777 })),
        probabilities: {
          TWF: f32(0.051),
          HDF: f32(0.052),
          PWF: f32(0.053),
          OSF: f32(0.054),
          RNF: f32(0.055),
        },
        anyFailureProbability: f32(0.056),
        airTemperatureK: 299.25,
        processTemperatureK: 309.25,
        rotationalSpeedRpm: 1405,
        torqueNm: 40,
        toolWearMin: 5,
        source: {
          eventId: 'shardId-000000000001:202',
          sequenceNumber: '202',
          partitionKey: 'M-0001',
          arrivalTime: arrived('202'),
        },
      },
      {
        ...common,
        time: Date.UTC(2024, 0, 15, 8, 0, 6),
        deviceId: 'M-0006',
        qualityType: 'L',
        firmware: 'fw-1.6',
        readingSequence: 506,
        readingDigest: readingDigest(reading(6)),
        probabilities: {
          TWF: f32(0.061),
          HDF: f32(0.062),
          PWF: f32(0.063),
          OSF: f32(0.064),
          RNF: f32(0.065),
        },
        anyFailureProbability: f32(0.066),
        airTemperatureK: 299.5,
        processTemperatureK: 309.5,
        rotationalSpeedRpm: 1406,
        torqueNm: 41,
        toolWearMin: 6,
        source: {
          eventId: 'shardId-000000000001:203',
          sequenceNumber: '203',
          partitionKey: 'M-0006',
          arrivalTime: arrived('203'),
        },
      },
    ]);
  });

  it('does not run the model for a batch with nothing to score', async () => {
    const { core: c, scorer } = core();
    const out = await c.inferBatch([
      record(0, '1', 'M-0001', Uint8Array.from([1, 2, 3])),
      record(0, '2', 'M-0002', encodeReading(reading(2, { airTemperatureK: Number.NaN }))),
    ]);
    expect(scorer.calls).toEqual([]);
    expect(out.predictions).toEqual([]);
    expect(out.quarantined.map((q) => [q.code, q.source.sequenceNumber])).toEqual([
      ['TOO_SHORT', '1'],
      ['NON_FINITE', '2'],
    ]);
    expect(out.received).toBe(2);
  });
});

describe("inference core: decisions follow the model's thresholds (model/artifacts/thresholds.json)", () => {
  it('flags a mode or the failure only when its own probability is above its own threshold', async () => {
    const t = (name: string): number => artifacts.thresholds[artifacts.classes.indexOf(name)] as number;
    const below = (name: string) => t(name) - 0.001;
    const above = (name: string) => t(name) + 0.001;
    // Per reading id, the probability of each class. RNF's threshold is 1.0 (never flagged, artifacts README),
    // so even a probability of 1 does not flag it.
    const table: Record<number, Record<string, number>> = {
      1: {
        TWF: below('TWF'),
        HDF: below('HDF'),
        PWF: below('PWF'),
        OSF: below('OSF'),
        RNF: 0.999,
        ANY: below('ANY'),
      },
      2: {
        TWF: below('TWF'),
        HDF: below('HDF'),
        PWF: below('PWF'),
        OSF: below('OSF'),
        RNF: 0.999,
        ANY: above('ANY'),
      },
      3: {
        TWF: above('TWF'),
        HDF: above('HDF'),
        PWF: above('PWF'),
        OSF: above('OSF'),
        RNF: 1,
        ANY: below('ANY'),
      },
      4: {
        TWF: below('TWF'),
        HDF: below('HDF'),
        PWF: above('PWF'),
        OSF: below('OSF'),
        RNF: 0,
        ANY: above('ANY'),
      },
    };
    const probability = (id: number, column: number): number =>
      table[id]?.[artifacts.classes[column] as string] ?? Number.NaN;
    const scorer = new CellScorer(artifacts.classes.length, artifacts.scaler, probability);
    const { core: c } = core(artifacts, scorer);
    const out = await c.inferBatch(
      [1, 2, 3, 4].map((id) => record(0, String(id), `M-000${id}`, encodeReading(reading(id)))),
    );
    expect(out.predictions.map((p) => [p.failure, p.predictedModes])).toEqual([
      [false, []],
      [true, []],
      [false, ['TWF', 'HDF', 'PWF', 'OSF']],
      [true, ['PWF']],
    ]);
    expect(out.predictions.map((p) => p.anyFailureProbability)).toEqual([
      f32(below('ANY')),
      f32(above('ANY')),
      f32(below('ANY')),
      f32(above('ANY')),
    ]);
  });
});
