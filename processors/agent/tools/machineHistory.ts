import type { PredictionRecord } from '../../store/types.js';
import { TOOL_DEFAULTS } from '../constants.js';
import { resolvePeriod } from '../periods.js';
import { parseToolInput } from '../toolInputs.js';
import type { AgentToolDeps, MachineHistoryResult, PredictionOut } from '../types.js';
import {
  byMode,
  describeEmptyPeriod,
  fleetBaseline,
  iso,
  machineOut,
  p3,
  periodOut,
  readingsOut,
} from './output.js';

/** machine_history: one machine's risk summary, its latest predictions and alarms, and its quarantine. */
export async function machineHistory(deps: AgentToolDeps, raw: unknown): Promise<MachineHistoryResult> {
  const input = parseToolInput('machine_history', raw);
  const period = resolvePeriod(input.period, deps.now());
  const [history, summary] = await Promise.all([
    deps.queries.machineHistory({
      deviceId: input.machine_id,
      range: period.range,
      limit: input.limit,
      window: TOOL_DEFAULTS.window,
    }),
    deps.queries.fleetSummary(period.range),
  ]);
  const result: MachineHistoryResult = {
    tool: 'machine_history',
    machine: input.machine_id,
    period: periodOut(period),
    limit: input.limit,
    found: history.summary !== null,
    summary: history.summary ? machineOut(history.summary, fleetBaseline(summary)) : null,
    recent: history.recent.slice(0, input.limit).map(predictionOut),
    alarms: history.alarms.slice(0, input.limit).map(predictionOut),
    quarantinedByCode: history.quarantinedByCode,
  };
  if (history.summary !== null) return result;
  return {
    ...result,
    ...(await describeEmptyPeriod(deps.queries, `predictions for ${input.machine_id}`, period)),
  };
}

function predictionOut(p: PredictionRecord): PredictionOut {
  return {
    time: iso(p.time),
    risk: p3(p.risk),
    alarm: p.failure,
    predictedModes: p.predictedModes,
    modeProbabilities: byMode(p.probabilities, 3),
    ...readingsOut(p.readings),
  };
}
