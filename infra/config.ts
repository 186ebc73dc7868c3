import { z } from 'zod';
import { parseConfig } from '../kernel/configSchema.js';
import { DEFAULT_NAME_PREFIX } from './constants.js';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * The event source mappings' retry defaults: those of the AWS Solutions Constructs' aws-kinesisstreams-lambda
 * (core/lib/lambda-event-source-mapping-defaults.ts: retryAttempts 500, maxRecordAge 24 h, bisect on error).
 * With the handler riding out each sink outage for most of its timeout, 500 attempts span hours, not seconds.
 */
export const STREAM_RETRY_DEFAULTS = { retryAttempts: 500, maxRecordAgeSeconds: 86_400 } as const;

// Lambda's own limits: a Kinesis event source mapping accepts these ranges, and CloudFormation would
// reject anything else only after a deploy had started.
const lambdaSizing = {
  memoryMb: int(128, 10_240),
  timeoutSeconds: int(1, 900),
  /**
   * Executions the function keeps to itself and may not exceed. Off by default: Lambda keeps 100 units of an
   * account's concurrency unreserved, so an account whose quota is still the new-account 10 refuses any
   * reservation and the deploy would fail (README, "Reserved concurrency").
   */
  reservedConcurrency: int(1, 10_000).optional(),
};
const kinesisSource = {
  batchSize: int(1, 10_000),
  maxBatchingWindowSeconds: int(0, 300),
  parallelizationFactor: int(1, 10),
  /** Finite on purpose: -1 (retry until the record expires) would let one poison batch stall a shard. */
  retryAttempts: int(0, 10_000),
  maxRecordAgeSeconds: int(60, 604_800),
  startingPosition: z.enum(['TRIM_HORIZON', 'LATEST']),
};

const streamSchema = z
  .object({
    capacity: z.enum(['provisioned', 'on-demand']).default('on-demand'),
    shardCount: int(1, 500).optional(),
    retentionHours: int(24, 8_760).default(24),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.capacity === 'on-demand' && s.shardCount !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['shardCount'], message: 'only applies to provisioned capacity' });
    }
  })
  .transform((s) => ({ ...s, shardCount: s.capacity === 'provisioned' ? (s.shardCount ?? 1) : undefined }));

const inferenceSchema = z
  .object({
    memoryMb: lambdaSizing.memoryMb.default(1_024),
    timeoutSeconds: lambdaSizing.timeoutSeconds.default(60),
    batchSize: kinesisSource.batchSize.default(500),
    maxBatchingWindowSeconds: kinesisSource.maxBatchingWindowSeconds.default(5),
    parallelizationFactor: kinesisSource.parallelizationFactor.default(1),
    retryAttempts: kinesisSource.retryAttempts.default(STREAM_RETRY_DEFAULTS.retryAttempts),
    maxRecordAgeSeconds: kinesisSource.maxRecordAgeSeconds.default(STREAM_RETRY_DEFAULTS.maxRecordAgeSeconds),
    startingPosition: kinesisSource.startingPosition.default('TRIM_HORIZON'),
    /** Caps the scoring function, so a stream resharded up cannot take the account's concurrency from the rest. */
    reservedConcurrency: lambdaSizing.reservedConcurrency,
    /**
     * Timestream record version of every prediction (PFM_MODEL_SEQUENCE): raise it with every model you deploy
     * (e.g. the training time in epoch seconds) so re-scored readings overwrite older predictions.
     */
    modelSequence: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(1),
  })
  .strict();

const driftSchema = z
  .object({
    memoryMb: lambdaSizing.memoryMb.default(512),
    timeoutSeconds: lambdaSizing.timeoutSeconds.default(120),
    batchSize: kinesisSource.batchSize.default(1_000),
    maxBatchingWindowSeconds: kinesisSource.maxBatchingWindowSeconds.default(30),
    /** Lambda's tumbling windows last at most 15 minutes. */
    tumblingWindowSeconds: int(1, 900).default(300),
    retryAttempts: kinesisSource.retryAttempts.default(STREAM_RETRY_DEFAULTS.retryAttempts),
    maxRecordAgeSeconds: kinesisSource.maxRecordAgeSeconds.default(STREAM_RETRY_DEFAULTS.maxRecordAgeSeconds),
    startingPosition: kinesisSource.startingPosition.default('TRIM_HORIZON'),
    /**
     * The drift thresholds: a file in model/artifacts made offline by `pfm drift calibrate` (packaged with the
     * function). Default: the training file's (drift-calibration.json), or with the fleet simulator on, the
     * simulated fleet's for its size and readings per tumbling window.
     */
    calibrationFile: z
      .string()
      .regex(/^[A-Za-z0-9._-]+\.json$/, 'expected a .json file name in model/artifacts')
      .optional(),
  })
  .strict();

const timestreamSinkSchema = z
  .object({
    kind: z.literal('timestream'),
    memoryRetentionHours: int(1, 8_766).default(24),
    magneticRetentionDays: int(1, 73_000).default(365),
  })
  .strict();

const influxSinkSchema = z
  .object({
    kind: z.literal('influxdb'),
    instanceType: z
      .string()
      .regex(
        /^db\.influx\.[a-z0-9]+$/,
        'expected a Timestream for InfluxDB instance type like db.influx.medium',
      )
      .default('db.influx.medium'),
    allocatedStorageGb: int(20, 16_384).default(20),
    storageType: z
      .enum(['InfluxIOIncludedT1', 'InfluxIOIncludedT2', 'InfluxIOIncludedT3'])
      .default('InfluxIOIncludedT1'),
    organization: z.string().min(1).max(64).default('pfm'),
    bucket: z
      .string()
      .min(2)
      .max(64)
      // InfluxDB 2.x reserves names starting with "_" (_monitoring, _tasks); the 1.x APIs need a plain name.
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
        'expected letters, digits, "_", "." or "-", not starting with "_"',
      )
      .default('predictions'),
    multiAz: z.boolean().default(false),
    /** Days between rotations of the functions' API token (Secrets Manager rotation; 1 to 365). */
    tokenRotationDays: int(1, 365).default(30),
  })
  .strict()
  .superRefine((s, ctx) => {
    // Timestream for InfluxDB storage types: 3,000 IOPS from 20 GiB; 12,000 and 16,000 IOPS from 400 GiB
    // (Timestream for InfluxDB developer guide, "DB instance storage").
    if (s.storageType !== 'InfluxIOIncludedT1' && s.allocatedStorageGb < 400) {
      ctx.addIssue({
        code: 'custom',
        path: ['allocatedStorageGb'],
        message: `storage type ${s.storageType} needs at least 400 GB (InfluxIOIncludedT1 starts at 20 GB)`,
      });
    }
  });

const alertsSchema = z
  .object({
    email: z.email('expected an email address').optional(),
    iteratorAgeMs: int(1_000, 86_400_000).default(60_000),
    quarantinedPerFiveMinutes: int(0, 1_000_000).default(100),
  })
  .strict();

const simulatorSchema = z
  .object({
    enabled: z.boolean().default(false),
    rateMinutes: int(1, 1_440).default(1),
    readingsPerRun: int(1, 100_000).default(500),
    machines: int(1, 10_000).default(50),
    intervalMs: int(1, 3_600_000).default(1_000),
    seed: z.number().int().default(42),
    /** Drift specs as `pfm simulate --drift` takes them, e.g. `torqueNm:offset:5@+600s`. */
    drift: z.array(z.string().min(1)).default([]),
    /** 1 keeps scheduled runs from overlapping; see inference.reservedConcurrency for why it is off by default. */
    reservedConcurrency: lambdaSizing.reservedConcurrency,
  })
  .strict();

const forecastSchema = z
  .object({
    /** The scheduled forecast: every `rateMinutes`, forecast rows to the store and MaintenanceDue events to the bus. */
    enabled: z.boolean().default(true),
    rateMinutes: int(1, 1_440).default(15),
    memoryMb: lambdaSizing.memoryMb.default(2_048),
    timeoutSeconds: lambdaSizing.timeoutSeconds.default(300),
    /** 1 keeps scheduled runs from overlapping; see inference.reservedConcurrency for why it is off by default. */
    reservedConcurrency: lambdaSizing.reservedConcurrency,
    horizonHours: int(1, 72).default(8),
    stepMinutes: int(1, 240).default(10),
    noticeHours: int(1, 72).default(2),
    /** Cumulative probability of a forecastable failure at which a machine is due (and notified). */
    dueLevel: z.number().gt(0).max(1).default(0.5),
    /** A due machine is released below this (hysteresis). */
    releaseLevel: z.number().gt(0).max(1).default(0.25),
    /** Hours of each machine's history the forecast reads. */
    historyHours: int(1, 336).default(24),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.releaseLevel > f.dueLevel)
      ctx.addIssue({ code: 'custom', path: ['releaseLevel'], message: 'must not exceed dueLevel' });
    if (f.noticeHours > f.horizonHours)
      ctx.addIssue({ code: 'custom', path: ['noticeHours'], message: 'must not exceed horizonHours' });
    // The rate in minutes and the run must fit: a run longer than the period would overlap the next one.
    if (f.timeoutSeconds > f.rateMinutes * 60)
      ctx.addIssue({
        code: 'custom',
        path: ['timeoutSeconds'],
        message: `must not exceed rateMinutes x 60 = ${f.rateMinutes * 60} (runs would overlap)`,
      });
  });

const agentSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** A Bedrock model id (`anthropic.claude-...`) or a cross-region inference profile id (`us.anthropic...`). */
    foundationModelId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.:-]*$/, 'expected a Bedrock model or inference profile id')
      .optional(),
    idleSessionTtlSeconds: int(60, 3_600).default(600),
    /** Keeps executions for operators' questions whatever the stream functions take. */
    reservedConcurrency: lambdaSizing.reservedConcurrency,
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.enabled && a.foundationModelId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['foundationModelId'],
        message: 'required when the agent is enabled',
      });
    }
  });

const configSchema = z
  .object({
    namePrefix: z
      .string()
      .regex(
        // No "--" and no trailing "-": the InfluxDB instance name (`<prefix>-influx`) allows neither.
        /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,19}$/,
        'expected 1-20 lowercase letters, digits or single dashes, starting with a letter and not ending with a dash',
      )
      .default(DEFAULT_NAME_PREFIX),
    stream: streamSchema.prefault({}),
    inference: inferenceSchema.prefault({}),
    drift: driftSchema.prefault({}),
    sink: z
      .discriminatedUnion('kind', [timestreamSinkSchema, influxSinkSchema])
      // Timestream for InfluxDB: Timestream for LiveAnalytics takes no new customers since 2025-06-20.
      .prefault({ kind: 'influxdb' }),
    alerts: alertsSchema.prefault({}),
    simulator: simulatorSchema.prefault({}),
    forecast: forecastSchema.prefault({}),
    agent: agentSchema.prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    // A cap below what the stream feeds at once would throttle the function's own reads of it.
    const needed = (c.stream.shardCount ?? 0) * c.inference.parallelizationFactor;
    const reserved = c.inference.reservedConcurrency;
    if (reserved !== undefined && reserved < needed) {
      ctx.addIssue({
        code: 'custom',
        path: ['inference', 'reservedConcurrency'],
        message: `must be at least stream.shardCount x inference.parallelizationFactor = ${needed} (one invocation per shard and batch at once)`,
      });
    }
  });

/** The stack's settings as given (every field optional; see {@link PfmStackConfig} for the defaults). */
export type PfmStackSettings = z.input<typeof configSchema>;
/** The stack's settings with defaults applied and limits checked. */
export type PfmStackConfig = z.output<typeof configSchema>;
export type SinkConfig = PfmStackConfig['sink'];
/** The Timestream for LiveAnalytics store's settings (sink.kind=timestream). */
export type LiveAnalyticsSinkConfig = z.output<typeof timestreamSinkSchema>;
/** The Timestream for InfluxDB store's settings (sink.kind=influxdb). */
export type InfluxDbSinkConfig = z.output<typeof influxSinkSchema>;

/** Applies the defaults and checks every limit, naming each setting that is wrong. */
export function resolveStackConfig(settings: unknown = {}): PfmStackConfig {
  return parseConfig(configSchema, settings ?? {}, 'stack settings');
}
