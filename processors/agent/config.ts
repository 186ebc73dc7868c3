import { z } from 'zod';
import { nonEmptyText, parseConfig } from '../../kernel/configSchema.js';
import { timestreamName } from '../sinks/constants.js';
import { SINK_KINDS } from '../sinks/types.js';

const schema = z
  .object({
    PFM_SINK: z.enum(SINK_KINDS).default('duckdb'),
    PFM_DATA_DIR: nonEmptyText.default('/tmp/pfm-data'),
    TIMESTREAM_DATABASE: timestreamName.optional(),
    TIMESTREAM_TABLE: timestreamName.optional(),
    TIMESTREAM_QUARANTINE_TABLE: timestreamName.optional(),
    TIMESTREAM_DRIFT_TABLE: timestreamName.optional(),
    /** The scheduled forecast's table (maintenance_plan). */
    TIMESTREAM_FORECAST_TABLE: timestreamName.optional(),
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
  return parseConfig(schema, env, 'agent configuration');
}
