import { z } from 'zod';
import { PfmError } from '../errors.js';
import { SINK_KINDS } from '../sinks/types.js';

const text = z.string().trim().min(1, 'must not be empty');
const whole = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const driftEnvSchema = z.object({
  /** The event bus drift events go to (infra sets it). */
  PFM_EVENT_BUS: text,
  PFM_MODEL_DIR: text.optional(),
  /** Where scores go: the embedded store (duckdb) or, for the remote sinks, CloudWatch metrics. */
  PFM_SINK: z.enum(SINK_KINDS).default('duckdb'),
  PFM_DATA_DIR: text.default('/tmp/pfm-data'),
  /** Decision memory and partial windows; must be shared by all shards' invocations (EFS) to merge them. */
  PFM_DRIFT_STATE_DIR: text.default('/tmp/pfm-drift'),
  /** Shards whose partial windows make a fleet window. */
  PFM_DRIFT_SHARDS: whole(1, 10_000).default(1),
  /** A calibration file (pfm drift calibrate); without it, iid thresholds. */
  PFM_DRIFT_CALIBRATION: text.optional(),
});

export type DriftConfig = z.infer<typeof driftEnvSchema>;

/** Reads and validates the drift processor's settings once, naming the variable that is wrong. */
export function readDriftConfig(env: NodeJS.ProcessEnv = process.env): DriftConfig {
  const parsed = driftEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new PfmError('CONFIG_INVALID', `invalid configuration: ${problems}`);
  }
  return parsed.data;
}
