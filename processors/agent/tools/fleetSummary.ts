import { resolvePeriod } from '../periods.js';
import { parseToolInput } from '../toolInputs.js';
import type { AgentToolDeps, FleetSummaryResult } from '../types.js';
import { describeEmptyPeriod, isoOrNull, p3, periodOut, readingsOut } from './output.js';

/** fleet_summary: predictions, alarms by mode, mean risk, reading means and quarantine over a period. */
export async function fleetSummary(deps: AgentToolDeps, raw: unknown): Promise<FleetSummaryResult> {
  const input = parseToolInput('fleet_summary', raw);
  const period = resolvePeriod(input.period, deps.now());
  const s = await deps.queries.fleetSummary(period.range);
  const result: FleetSummaryResult = {
    tool: 'fleet_summary',
    period: periodOut(period),
    predictions: s.predictions,
    machines: s.devices,
    alarms: s.predictedFailures,
    machinesWithAlarms: s.devicesWithFailures,
    flaggedByMode: s.predictedByMode,
    meanRisk: s.meanRisk === null ? null : p3(s.meanRisk),
    firstReading: isoOrNull(s.first),
    lastReading: isoOrNull(s.last),
    fleetMeans: s.readingMeans ? readingsOut(s.readingMeans) : null,
    modelVersions: s.modelVersions,
    quarantined: s.quarantined,
    quarantinedByCode: s.quarantinedByCode,
  };
  if (s.predictions !== 0) return result;
  return { ...result, ...(await describeEmptyPeriod(deps.queries, 'predictions', period)) };
}
