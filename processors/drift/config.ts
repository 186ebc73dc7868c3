import { z } from 'zod';
import { nonEmptyText, parseConfig, wholeNumberText } from '../configSchema.js';
import { SINK_KINDS } from '../sinks/types.js';

const driftEnvSchema = z.object({
  /** The event bus drift events go to (infra sets it). */
  PFM_EVENT_BUS: nonEmptyText,
  PFM_MODEL_DIR: nonEmptyText.optional(),
  /** Where scores go: the embedded store (duckdb) or, for the remote sinks, CloudWatch metrics. */
  PFM_SINK: z.enum(SINK_KINDS).default('duckdb'),
  PFM_DATA_DIR: nonEmptyText.default('/tmp/pfm-data'),
  /** Decision memory and partial windows; must be shared by all shards' invocations (EFS) to merge them. */
  PFM_DRIFT_STATE_DIR: nonEmptyText.default('/tmp/pfm-drift'),
  /** Shards whose partial windows make a fleet window. */
  PFM_DRIFT_SHARDS: wholeNumberText(1, 10_000).default(1),
  /** A calibration file (pfm drift calibrate); without it, iid thresholds. */
  PFM_DRIFT_CALIBRATION: nonEmptyText.optional(),
});

export type DriftConfig = z.infer<typeof driftEnvSchema>;

/** Reads and validates the drift processor's settings once, naming the variable that is wrong. */
export function readDriftConfig(env: NodeJS.ProcessEnv = process.env): DriftConfig {
  return parseConfig(driftEnvSchema, env, 'configuration');
}
