import { z } from 'zod';
import { PfmError } from './errors.js';

/** The prediction sinks a processor can be configured with. */
export const SINK_KINDS = ['duckdb'] as const;

const inferenceEnvSchema = z.object({
  PFM_SINK: z.enum(SINK_KINDS).default('duckdb'),
  PFM_DATA_DIR: z.string().min(1).default('/tmp/pfm-data'),
  PFM_MODEL_DIR: z.string().min(1).optional(),
});

export type InferenceConfig = z.infer<typeof inferenceEnvSchema>;

/** Reads and validates the inference processor's settings once, naming the variable that is wrong. */
export function readInferenceConfig(env: NodeJS.ProcessEnv = process.env): InferenceConfig {
  const parsed = inferenceEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new PfmError('CONFIG_INVALID', `invalid configuration: ${problems}`);
  }
  return parsed.data;
}
