import { describe, expect, it } from 'vitest';
import { resolveStackConfig } from '../../infra/config.js';
import { PfmError } from '../../kernel/errors.js';

describe('resolveStackConfig', () => {
  it('fills every default from an empty object', () => {
    const c = resolveStackConfig({});
    expect(c.namePrefix).toBe('pfm');
    expect(c.stream).toEqual({ capacity: 'on-demand', retentionHours: 24, shardCount: undefined });
    // Timestream for InfluxDB: LiveAnalytics takes no new customers since 2025-06-20.
    expect(c.sink).toMatchObject({ kind: 'influxdb', bucket: 'predictions', tokenRotationDays: 30 });
    expect(c.inference).toMatchObject({
      memoryMb: 1024,
      timeoutSeconds: 60,
      batchSize: 500,
      retryAttempts: 500,
      maxRecordAgeSeconds: 86_400,
    });
    expect(c.inference.reservedConcurrency).toBeUndefined();
    expect(c.drift).toMatchObject({ retryAttempts: 500, maxRecordAgeSeconds: 86_400 });
    expect(c.agent.reservedConcurrency).toBeUndefined();
    expect(c.simulator.reservedConcurrency).toBeUndefined();
    expect(c.drift.tumblingWindowSeconds).toBe(300);
    expect(c.simulator.enabled).toBe(false);
    expect(c.agent.enabled).toBe(false);
    expect(c.alerts.email).toBeUndefined();
  });

  it('gives provisioned capacity one shard unless told otherwise', () => {
    expect(resolveStackConfig({ stream: { capacity: 'provisioned' } }).stream.shardCount).toBe(1);
    expect(resolveStackConfig({ stream: { capacity: 'provisioned', shardCount: 8 } }).stream.shardCount).toBe(
      8,
    );
  });

  it('fills the InfluxDB sink defaults', () => {
    expect(resolveStackConfig({ sink: { kind: 'influxdb' } }).sink).toEqual({
      kind: 'influxdb',
      instanceType: 'db.influx.medium',
      allocatedStorageGb: 20,
      storageType: 'InfluxIOIncludedT1',
      organization: 'pfm',
      bucket: 'predictions',
      multiAz: false,
      tokenRotationDays: 30,
    });
  });

  const invalid: [string, unknown, string][] = [
    // Combinations that cannot deploy, refused at synth rather than half-way through a deploy.
    [
      'an IOPS tier below its minimum storage',
      { sink: { kind: 'influxdb', storageType: 'InfluxIOIncludedT2', allocatedStorageGb: 100 } },
      'sink.allocatedStorageGb: storage type InfluxIOIncludedT2 needs at least 400 GB',
    ],
    ['a bucket InfluxDB reserves', { sink: { kind: 'influxdb', bucket: '_monitoring' } }, 'sink.bucket'],
    ['a prefix ending with a dash (instance name pfm--influx)', { namePrefix: 'pfm-' }, 'namePrefix'],
    ['a prefix with a double dash', { namePrefix: 'a--b' }, 'namePrefix'],
    [
      'token rotation over a year',
      { sink: { kind: 'influxdb', tokenRotationDays: 400 } },
      'sink.tokenRotationDays',
    ],
    ['shard count with on-demand capacity', { stream: { shardCount: 2 } }, 'stream.shardCount'],
    ['zero shards', { stream: { capacity: 'provisioned', shardCount: 0 } }, 'stream.shardCount'],
    ['retention under a day', { stream: { retentionHours: 12 } }, 'stream.retentionHours'],
    ['retention over a year', { stream: { retentionHours: 9_000 } }, 'stream.retentionHours'],
    ['memory under 128 MB', { inference: { memoryMb: 64 } }, 'inference.memoryMb'],
    ['timeout over 15 minutes', { inference: { timeoutSeconds: 901 } }, 'inference.timeoutSeconds'],
    ['batch size over 10,000', { inference: { batchSize: 20_000 } }, 'inference.batchSize'],
    [
      'parallelization over 10',
      { inference: { parallelizationFactor: 11 } },
      'inference.parallelizationFactor',
    ],
    ['infinite retries', { inference: { retryAttempts: -1 } }, 'inference.retryAttempts'],
    [
      'record age under a minute',
      { inference: { maxRecordAgeSeconds: 30 } },
      'inference.maxRecordAgeSeconds',
    ],
    [
      'batching window over 5 minutes',
      { drift: { maxBatchingWindowSeconds: 301 } },
      'drift.maxBatchingWindowSeconds',
    ],
    [
      'tumbling window over 15 minutes',
      { drift: { tumblingWindowSeconds: 901 } },
      'drift.tumblingWindowSeconds',
    ],
    ['unknown sink', { sink: { kind: 'duckdb' } }, 'sink.kind'],
    [
      'bad InfluxDB instance type',
      { sink: { kind: 'influxdb', instanceType: 'm5.large' } },
      'sink.instanceType',
    ],
    [
      'magnetic retention of 0 days',
      { sink: { kind: 'timestream', magneticRetentionDays: 0 } },
      'sink.magneticRetentionDays',
    ],
    ['bad email', { alerts: { email: 'not-an-address' } }, 'alerts.email'],
    ['agent without a model', { agent: { enabled: true } }, 'agent.foundationModelId'],
    ['bad model id', { agent: { enabled: true, foundationModelId: 'Claude 3' } }, 'agent.foundationModelId'],
    ['uppercase name prefix', { namePrefix: 'PFM' }, 'namePrefix'],
    ['misspelt setting', { inferense: {} }, 'inferense'],
    ['non-integer memory', { inference: { memoryMb: 1024.5 } }, 'inference.memoryMb'],
  ];
  it.each(invalid)('rejects %s, naming the setting', (_name, settings, path) => {
    let error: unknown;
    try {
      resolveStackConfig(settings);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PfmError);
    expect((error as PfmError).code).toBe('CONFIG_INVALID');
    expect((error as PfmError).message).toContain(path);
  });

  it('refuses a reserved concurrency below what the provisioned stream feeds the function at once', () => {
    const settings = {
      stream: { capacity: 'provisioned', shardCount: 4 },
      inference: { parallelizationFactor: 2, reservedConcurrency: 7 },
    } as const;
    expect(() => resolveStackConfig(settings)).toThrow(/inference\.reservedConcurrency.*at least .* = 8/);
    const enough = { ...settings, inference: { parallelizationFactor: 2, reservedConcurrency: 8 } };
    expect(resolveStackConfig(enough).inference.reservedConcurrency).toBe(8);
  });
});
