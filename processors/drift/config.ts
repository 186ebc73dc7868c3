import { z } from 'zod';
import { dynamoDbTableName, nonEmptyText, parseConfig, wholeNumberText } from '../../kernel/configSchema.js';
import { DRIFT_SERIES, timestreamName } from '../sinks/constants.js';
import { SINK_KINDS } from '../sinks/types.js';

const driftEnvSchema = z
  .object({
    /** The event bus drift events go to (infra sets it). */
    PFM_EVENT_BUS: nonEmptyText,
    PFM_MODEL_DIR: nonEmptyText.optional(),
    /**
     * Where scores go: the embedded store (duckdb); Timestream's drift table and CloudWatch metrics (timestream);
     * measurement `drift_scores` of the InfluxDB bucket (INFLUXDB_* as the sinks read them) and CloudWatch metrics
     * (influxdb).
     */
    PFM_SINK: z.enum(SINK_KINDS).default('duckdb'),
    PFM_DATA_DIR: nonEmptyText.default('/tmp/pfm-data'),
    /** Timestream database and drift table the scores go to (PFM_SINK=timestream). */
    TIMESTREAM_DATABASE: timestreamName.optional(),
    TIMESTREAM_DRIFT_TABLE: timestreamName.default(DRIFT_SERIES.timestreamTable),
    /**
     * A DynamoDB table that keeps the decision memory and the fleet window every shard folds its partials into
     * (DynamoDbDriftStateStore): shared by every shard and cold start. Without it, PFM_DRIFT_STATE_DIR (local use).
     */
    PFM_DRIFT_STATE_TABLE: dynamoDbTableName.optional(),
    /** Lease of the DynamoDB lock: longer than the function's timeout, so only a crashed holder loses it. */
    PFM_DRIFT_LOCK_LEASE_SECONDS: wholeNumberText(1, 3_600).default(960),
    /** Decision memory and fleet window on disk; shared by all shards' invocations only on EFS. */
    PFM_DRIFT_STATE_DIR: nonEmptyText.default('/tmp/pfm-drift'),
    /**
     * A calibration file (pfm drift calibrate). Without it, the one shipped in the model's artifacts folder
     * (drift-calibration.json); the monitor does not start without one. Its window size is the window size.
     */
    PFM_DRIFT_CALIBRATION: nonEmptyText.optional(),
    /**
     * A fleet window that has spanned this many seconds of tumbling periods closes with what it holds (a slow
     * fleet); otherwise windows close on the calibration's number of readings, whatever the shard count.
     */
    PFM_DRIFT_WINDOW_MAX_SECONDS: wholeNumberText(60, 7 * 24 * 3600).default(3600),
  })
  .superRefine((c, ctx) => {
    if (c.PFM_SINK === 'timestream' && c.TIMESTREAM_DATABASE === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['TIMESTREAM_DATABASE'],
        message: 'required when PFM_SINK is timestream (the drift table is in it)',
      });
    }
  });

export type DriftConfig = z.infer<typeof driftEnvSchema>;

/** Reads and validates the drift processor's settings once, naming the variable that is wrong. */
export function readDriftConfig(env: NodeJS.ProcessEnv = process.env): DriftConfig {
  return parseConfig(driftEnvSchema, env, 'configuration');
}
