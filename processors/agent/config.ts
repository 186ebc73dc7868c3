import { z } from 'zod';
import { PfmError } from '../errors.js';
import { SINK_KINDS } from '../sinks/types.js';

const TIMESTREAM_NAME = /^[A-Za-z0-9_.-]{3,256}$/;
const text = z.string().trim().min(1, 'must not be empty');
const timestreamName = text.regex(
  TIMESTREAM_NAME,
  "must be 3-256 characters of letters, digits, '_', '.', '-'",
);

const schema = z
  .object({
    PFM_SINK: z.enum(SINK_KINDS).default('duckdb'),
    PFM_DATA_DIR: text.default('/tmp/pfm-data'),
    TIMESTREAM_DATABASE: timestreamName.optional(),
    TIMESTREAM_TABLE: timestreamName.optional(),
    TIMESTREAM_QUARANTINE_TABLE: timestreamName.optional(),
    TIMESTREAM_DRIFT_TABLE: timestreamName.optional(),
    /** A Timestream Query endpoint (tests, VPC endpoints); unset, the SDK discovers one. */
    TIMESTREAM_QUERY_ENDPOINT: z.url().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.PFM_SINK === 'timestream' && env.TIMESTREAM_DATABASE === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['TIMESTREAM_DATABASE'],
        message: 'required when PFM_SINK=timestream',
      });
    }
  });

/** The action-group function's settings: which store its tools read. */
export type AgentConfig = z.infer<typeof schema>;

/** Reads and validates the agent function's settings once, naming the variable that is wrong. */
export function readAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new PfmError('CONFIG_INVALID', `invalid agent configuration: ${problems}`);
  }
  return parsed.data;
}
