import {
  type _Record,
  RejectedRecordsException,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TimestreamStandIn } from '../../helpers/timestreamStandIn.js';
import { standInClient } from './rows.js';

// The stand-in is a test aid; these cases check it holds the sinks to the documented limits.
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

const now = () => String(Date.now() - 1_000);
function multi(overrides: Partial<_Record> = {}): _Record {
  return {
    Dimensions: [{ Name: 'device_id', Value: 'M-1' }],
    MeasureName: 'prediction',
    MeasureValueType: 'MULTI',
    MeasureValues: [{ Name: 'p_any', Value: '0.5', Type: 'DOUBLE' }],
    Time: now(),
    ...overrides,
  };
}
function write(records: _Record[], common?: _Record) {
  return client.send(
    new WriteRecordsCommand({
      DatabaseName: 'pfm',
      TableName: 'predictions',
      Records: records,
      CommonAttributes: common,
    }),
  );
}

describe('TimestreamStandIn', () => {
  it.each<[string, _Record[]]>([
    ['more than 100 records', Array.from({ length: 101 }, (_, i) => multi({ Time: String(Date.now() - i) }))],
    ['a dimension name over 60 bytes', [multi({ Dimensions: [{ Name: 'd'.repeat(61), Value: 'x' }] })]],
    [
      'a measure value over 2048 characters',
      [multi({ MeasureValues: [{ Name: 's', Value: 'x'.repeat(2049), Type: 'VARCHAR' }] })],
    ],
    ['an empty measure value', [multi({ MeasureValues: [{ Name: 's', Value: '', Type: 'VARCHAR' }] })]],
  ])('fails the whole call with ValidationException on %s', async (_, records) => {
    await expect(write(records)).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(standIn.records('pfm', 'predictions')).toHaveLength(0);
  });

  it.each<[string, _Record, RegExp]>([
    [
      'over 2 KB',
      multi({
        MeasureValues: [
          { Name: 's', Value: 'x'.repeat(1_100), Type: 'VARCHAR' },
          { Name: 't', Value: 'y'.repeat(1_100), Type: 'VARCHAR' },
        ],
      }),
      /exceeds the maximum record size of 2048/,
    ],
    [
      'more than 256 measures',
      multi({
        MeasureValues: Array.from({ length: 257 }, (_, i) => ({
          Name: `m${i}`,
          Value: '1',
          Type: 'BIGINT' as const,
        })),
      }),
      /at most 256/,
    ],
    ['a reserved dimension name', multi({ Dimensions: [{ Name: 'time', Value: 'x' }] }), /reserved/],
    ['a ts_ dimension', multi({ Dimensions: [{ Name: 'ts_device', Value: 'x' }] }), /reserved prefix/],
    [
      'a colon in a measure name',
      multi({ MeasureValues: [{ Name: 'a:b', Value: '1', Type: 'DOUBLE' }] }),
      /colon/,
    ],
    [
      'a measure named like a dimension',
      multi({ MeasureValues: [{ Name: 'device_id', Value: '1', Type: 'DOUBLE' }] }),
      /name of a dimension/,
    ],
    [
      'a DOUBLE that is not a number',
      multi({ MeasureValues: [{ Name: 'p', Value: 'NaN', Type: 'DOUBLE' }] }),
      /Invalid measure value/,
    ],
    [
      'a BOOLEAN that is not one',
      multi({ MeasureValues: [{ Name: 'b', Value: 'yes', Type: 'BOOLEAN' }] }),
      /Invalid measure value/,
    ],
    ['an empty dimension value', multi({ Dimensions: [{ Name: 'device_id', Value: '' }] }), /empty value/],
    [
      'a time beyond the memory store',
      multi({ Time: String(Date.now() - 7 * 3_600_000) }),
      /outside the time range/,
    ],
    ['a time too far ahead', multi({ Time: String(Date.now() + 16 * 60_000) }), /outside the time range/],
  ])('rejects a record with %s and writes the others of the call', async (_, bad, reason) => {
    const good = multi({ Time: String(Date.now() - 5_000) });
    const error = await write([good, bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedRecordsException);
    const rejected = (error as RejectedRecordsException).RejectedRecords ?? [];
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.RecordIndex).toBe(1);
    expect(rejected[0]?.Reason).toMatch(reason);
    expect((error as RejectedRecordsException).$metadata.httpStatusCode).toBe(419);
    expect(standIn.records('pfm', 'predictions')).toHaveLength(1);
  });

  it('merges CommonAttributes into every record and stores scalar records too', async () => {
    const seconds = Math.floor(Date.now() / 1000) - 2;
    const time = seconds * 1000;
    await write(
      [
        { Dimensions: [{ Name: 'device_id', Value: 'M-1' }], MeasureValue: '1.5' },
        { Dimensions: [{ Name: 'device_id', Value: 'M-2' }], MeasureValue: '2' },
      ],
      {
        Dimensions: [{ Name: 'site', Value: 'plant-1' }],
        MeasureName: 'torque_nm',
        MeasureValueType: 'DOUBLE',
        Time: String(seconds),
        TimeUnit: 'SECONDS',
        Version: 3,
      },
    );
    expect(
      standIn
        .records('pfm', 'predictions')
        .sort((a, b) => a.dimensions.device_id?.localeCompare(b.dimensions.device_id ?? '') ?? 0),
    ).toEqual([
      {
        database: 'pfm',
        table: 'predictions',
        measureName: 'torque_nm',
        time,
        version: 3,
        dimensions: { site: 'plant-1', device_id: 'M-1' },
        measures: { torque_nm: { type: 'DOUBLE', value: '1.5' } },
      },
      {
        database: 'pfm',
        table: 'predictions',
        measureName: 'torque_nm',
        time,
        version: 3,
        dimensions: { site: 'plant-1', device_id: 'M-2' },
        measures: { torque_nm: { type: 'DOUBLE', value: '2' } },
      },
    ]);
  });

  it('treats a same-value duplicate as a no-op and updates on a higher version', async () => {
    const record = multi();
    await write([record]);
    await write([record]);
    await write([
      { ...record, Version: 2, MeasureValues: [{ Name: 'p_any', Value: '0.25', Type: 'DOUBLE' }] },
    ]);
    expect(standIn.records('pfm', 'predictions').map((r) => [r.version, r.measures.p_any?.value])).toEqual([
      [2, '0.25'],
    ]);
  });
});
