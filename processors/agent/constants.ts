import { FAILURE_MODES } from '../inference/types.js';
import { QUERY_BOUNDS } from '../store/queries/inputs.js';
import { DEFAULT_PERIOD, PERIOD_HELP } from './periods.js';

/** One function of the agent's action group, as Bedrock's function-details schema describes it. */
export interface AgentFunctionSpec {
  name: string;
  description: string;
  parameters: Record<
    string,
    { type: 'string' | 'number' | 'integer' | 'boolean' | 'array'; description: string; required: boolean }
  >;
}

/** The tool names: the action group's functions and the local `pfm ask` planner's vocabulary. */
export const TOOL_NAMES = [
  'fleet_summary',
  'top_at_risk',
  'machine_history',
  'drift_status',
  'maintenance_plan',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** Defaults the tools apply to parameters left out. */
export const TOOL_DEFAULTS = {
  period: DEFAULT_PERIOD,
  topLimit: 10,
  historyLimit: 10,
  eventLimit: 10,
  window: 20,
  driftFeatures: 5,
  /** maintenance_plan: hours ahead (a shift) and machines listed. */
  planHours: 8,
  planLimit: 10,
} as const;

const period = {
  type: 'string',
  description: `Time period, default ${DEFAULT_PERIOD}. One of: ${PERIOD_HELP}.`,
  required: false,
} as const;
const limit = (what: string, fallback: number) =>
  ({
    type: 'integer',
    description: `How many ${what} to return (1-${QUERY_BOUNDS.maxLimit}, default ${fallback}).`,
    required: false,
  }) as const;

/** What the action-group function answers (processors/agent/lambda.ts); the CDK agent's function schema. */
export const AGENT_FUNCTIONS: readonly (AgentFunctionSpec & { name: ToolName })[] = [
  {
    name: 'fleet_summary',
    description:
      'Fleet totals for a period: predictions, machines, alarms (predicted failures), readings flagged per failure mode, mean risk, fleet mean readings, model versions, quarantined records.',
    parameters: { period },
  },
  {
    name: 'top_at_risk',
    description:
      "The machines most at risk in a period, ranked by mean failure probability over each machine's latest readings, with the leading failure mode, latest readings, and drivers: the readings that explain the risk (AI4I failure rules, deviation from the fleet).",
    parameters: {
      period,
      limit: limit('machines', TOOL_DEFAULTS.topLimit),
      mode: {
        type: 'string',
        description: `Rank by one failure mode's probability instead: ${FAILURE_MODES.join(', ')} (tool wear, heat dissipation, power, overstrain, random).`,
        required: false,
      },
      window: {
        type: 'integer',
        description: `How many of each machine's latest readings in the period to average (1-${QUERY_BOUNDS.maxWindow}, default ${TOOL_DEFAULTS.window}).`,
        required: false,
      },
    },
  },
  {
    name: 'machine_history',
    description:
      'One machine in a period: its risk summary and drivers, its latest readings with their predictions, its alarms (predicted failures) and quarantined records.',
    parameters: {
      machine_id: {
        type: 'string',
        description: 'The machine id, e.g. M-0042.',
        required: true,
      },
      period,
      limit: limit('readings and alarms', TOOL_DEFAULTS.historyLimit),
    },
  },
  {
    name: 'drift_status',
    description:
      'Sensor and data drift for a period: the drift state (OK, WARN, DRIFT) of the fleet and each product quality type after the latest window, the features that moved most, and recent drift and retraining events.',
    parameters: { period, limit: limit('events', TOOL_DEFAULTS.eventLimit) },
  },
  {
    name: 'maintenance_plan',
    description:
      'What maintenance should do next, from the failure forecast: the machines whose probability of a forecastable failure (tool wear, heat dissipation, overstrain) reaches the due level within the next hours, soonest first, each with its due time, leading failure mode, probability, tool wear and the action that puts the failure furthest off (replace the tool now, lower the load) with the probability after it; the failure modes the forecast cannot foresee (power, random); machines with too little history.',
    parameters: {
      within_hours: {
        type: 'integer',
        description: `Hours ahead to plan for, counted from the latest reading (1-72, default ${TOOL_DEFAULTS.planHours}: a shift).`,
        required: false,
      },
      limit: limit('machines', TOOL_DEFAULTS.planLimit),
    },
  },
];

/** The agent's instruction: ground every claim in a tool result, cite numbers, say what is missing. */
export const AGENT_INSTRUCTION =
  'You are a maintenance assistant for a fleet of milling machines monitored by a failure-prediction model. ' +
  'Answer only from the results of the action group functions: never invent machines, numbers or events. ' +
  'Name machines by id, give the leading failure mode and the drivers and readings the function returned, ' +
  'quote the period and the numbers you used, and say plainly when a function returned no data or an error. ' +
  `Periods are ${PERIOD_HELP}; use ${DEFAULT_PERIOD} when the user names none. ` +
  'Failure modes: TWF tool wear, HDF heat dissipation, PWF power, OSF overstrain, RNF random. ' +
  'For what to service next or before a shift, use maintenance_plan and say which modes it cannot foresee.';
