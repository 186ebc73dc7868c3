import { z } from 'zod';
import { PfmError } from '../../kernel/errors.js';
import { DEVICE_ID_PATTERN, DEVICE_ID_RULE } from '../../schemas/deviceId.js';
import { FAILURE_MODES, type FailureMode } from '../inference/types.js';
import { QUERY_BOUNDS } from '../store/queries/inputs.js';
import { TOOL_DEFAULTS, type ToolName } from './constants.js';
import { clip } from './periods.js';

// Bedrock hands integer parameters over as numbers (Powertools converts them) but a client may send digits as
// text: both are accepted, anything else ("1; select") is refused.
const whole = (name: string, max: number) =>
  z
    .union(
      [
        z.number(),
        z
          .string()
          .regex(/^\s*\d{1,9}\s*$/)
          .transform(Number),
      ],
      {
        error: `${name} must be a whole number from 1 to ${max}`,
      },
    )
    .pipe(
      z
        .number({ error: `${name} must be a whole number from 1 to ${max}` })
        .int(`${name} must be a whole number from 1 to ${max}`)
        .min(1, `${name} must be a whole number from 1 to ${max}`)
        .max(max, `${name} must be at most ${max}`),
    );
const period = z.string({ error: 'period must be a string' }).max(40, 'period must be at most 40 characters');
const machineId = z
  .string({ error: 'machine_id is required, e.g. M-0042' })
  .regex(DEVICE_ID_PATTERN, `machine_id must be ${DEVICE_ID_RULE}`);
const mode = z
  .string()
  .transform((m) => m.trim().toUpperCase())
  .pipe(z.enum(FAILURE_MODES, { error: `mode must be one of ${FAILURE_MODES.join(', ')}` }));

const SCHEMAS = {
  fleet_summary: z.strictObject({ period: period.default(TOOL_DEFAULTS.period) }),
  top_at_risk: z.strictObject({
    period: period.default(TOOL_DEFAULTS.period),
    limit: whole('limit', QUERY_BOUNDS.maxLimit).default(TOOL_DEFAULTS.topLimit),
    window: whole('window', QUERY_BOUNDS.maxWindow).default(TOOL_DEFAULTS.window),
    mode: mode.optional(),
  }),
  machine_history: z.strictObject({
    machine_id: machineId,
    period: period.default(TOOL_DEFAULTS.period),
    limit: whole('limit', QUERY_BOUNDS.maxLimit).default(TOOL_DEFAULTS.historyLimit),
  }),
  drift_status: z.strictObject({
    period: period.default(TOOL_DEFAULTS.period),
    limit: whole('limit', QUERY_BOUNDS.maxLimit).default(TOOL_DEFAULTS.eventLimit),
  }),
  maintenance_plan: z.strictObject({
    within_hours: whole('within_hours', 72).default(TOOL_DEFAULTS.planHours),
    limit: whole('limit', QUERY_BOUNDS.maxLimit).default(TOOL_DEFAULTS.planLimit),
  }),
} as const;

/** The validated parameters of each tool, defaults applied. */
export interface ToolInputs {
  fleet_summary: { period: string };
  top_at_risk: { period: string; limit: number; window: number; mode?: FailureMode };
  machine_history: { machine_id: string; period: string; limit: number };
  drift_status: { period: string; limit: number };
  maintenance_plan: { within_hours: number; limit: number };
}

/**
 * Validates a tool's raw parameters (from Bedrock or the local planner): unknown names, wrong types, ids that
 * are not ids and limits out of bounds throw INVALID_TOOL_INPUT naming the parameter.
 */
export function parseToolInput<N extends ToolName>(name: N, raw: unknown): ToolInputs[N] {
  const parsed = SCHEMAS[name].safeParse(raw ?? {});
  if (parsed.success) return parsed.data as ToolInputs[N];
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys')
      return `unknown parameter(s) ${issue.keys.map((k) => clip(k)).join(', ')}`;
    return issue.message;
  });
  throw new PfmError('INVALID_TOOL_INPUT', `${name}: ${[...new Set(problems)].join('; ')}`);
}
