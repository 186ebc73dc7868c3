import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TimestreamDriftScoreSink } from '../../../processors/drift/TimestreamDriftScoreSink.js';
import type { DriftScoreRow } from '../../../processors/drift/types.js';
import { DRIFT_SERIES } from '../../../processors/sinks/constants.js';
import { TimestreamWriter } from '../../../processors/sinks/TimestreamWriter.js';
import { TimestreamStandIn } from '../../helpers/timestreamStandIn.js';
import { standInClient } from '../sinks/rows.js';

const DB = 'pfm';
const T = Date.now() - 60_000;
let standIn: TimestreamStandIn;
let client: ReturnType<typeof standInClient>;

beforeAll(async () => {
  standIn = await TimestreamStandIn.start();
  client = standInClient(standIn.endpoint);
});
afterAll(async () => {
  client.destroy();
  await standIn.stop();
});
beforeEach(() => standIn.reset());

function sink(version = 1): TimestreamDriftScoreSink {
  return new TimestreamDriftScoreSink({
    writer: new TimestreamWriter({ client, database: DB, sleep: async () => undefined }),
    modelName: 'pfm-failure-mlp',
    now: () => version,
  });
}

function row(i: number, overrides: Partial<DriftScoreRow> = {}): DriftScoreRow {
  return {
    time: T,
    scope: i % 2 === 0 ? 'fleet' : 'quality:L',
    feature: `feature_${i}`,
    windowStart: T - 300_000,
    windowEnd: T,
    n: 1000 + i,
    meanShift: 0.25 + i,
    varianceRatio: 1.5,
    psi: 0.01 * i,
    cusum: 0.5,
    state: 'WARN',
    breached: i === 3,
    modelVersion: 'abc123def456',
    ...overrides,
  };
}

describe('TimestreamDriftScoreSink', () => {
  it('writes one multi-measure record per scope and feature with exactly the DRIFT_SERIES names', async () => {
    await sink().writeDriftScores([row(3), row(4, { state: 'DRIFT' })]);
    const records = standIn.records(DB, DRIFT_SERIES.timestreamTable);
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(r.measureName).toBe(DRIFT_SERIES.measureName);
      expect(Object.keys(r.dimensions).sort()).toEqual([...DRIFT_SERIES.dimensions].sort());
      expect(Object.fromEntries(Object.entries(r.measures).map(([k, m]) => [k, m.type]))).toEqual(
        DRIFT_SERIES.measures,
      );
    }
    const quality = records.find((r) => r.dimensions.feature === 'feature_3');
    expect(quality).toMatchObject({
      time: T,
      dimensions: {
        scope: 'quality:L',
        feature: 'feature_3',
        model_name: 'pfm-failure-mlp',
        model_version: 'abc123def456',
      },
      measures: {
        psi: { value: '0.03' },
        mean_shift: { value: '3.25' },
        variance_ratio: { value: '1.5' },
        cusum: { value: '0.5' },
        state: { value: 'warn' },
        breached: { value: 'true' },
        n: { value: '1003' },
      },
    });
    expect(records.find((r) => r.dimensions.feature === 'feature_4')?.measures.state?.value).toBe('drift');
  });

  it('writes at most 100 records a call and retries a throttled call', async () => {
    standIn.failNext('ThrottlingException');
    await sink().writeDriftScores(Array.from({ length: 230 }, (_, i) => row(i)));
    expect(standIn.records(DB, DRIFT_SERIES.timestreamTable)).toHaveLength(230);
    const writes = standIn.writeCalls.filter((c) => c.status === 200);
    expect(writes.map((c) => c.records).sort((a, b) => b - a)).toEqual([100, 100, 30]);
    expect(standIn.writeCalls.some((c) => c.errorType === 'ThrottlingException')).toBe(true);
  });

  it('leaves non-finite statistics out of the record instead of refusing it', async () => {
    await sink().writeDriftScores([
      row(0, { varianceRatio: Number.NaN, meanShift: Number.POSITIVE_INFINITY }),
    ]);
    const [record] = standIn.records(DB, DRIFT_SERIES.timestreamTable);
    expect(Object.keys(record?.measures ?? {}).sort()).toEqual(['breached', 'cusum', 'n', 'psi', 'state']);
  });

  it('overwrites a window evaluated again (a later Version) and fails on a record Timestream rejects', async () => {
    await sink(1).writeDriftScores([row(0)]);
    await sink(2).writeDriftScores([row(0, { psi: 0.9 })]);
    const [record] = standIn.records(DB, DRIFT_SERIES.timestreamTable);
    expect(record?.measures.psi?.value).toBe('0.9');

    standIn.rejectWhere((r) => (r.dimensions.feature === 'feature_1' ? 'Bad record' : undefined));
    await expect(sink(3).writeDriftScores([row(0), row(1)])).rejects.toMatchObject({
      code: 'SINK_REJECTED',
      retryable: false,
      message: expect.stringMatching(/rejected 1 drift record\(s\), first quality:L\/feature_1: Bad record/),
    });
  });
});
