import { resolvePeriod } from '../periods.js';
import { parseToolInput } from '../toolInputs.js';
import type { AgentToolDeps, TopAtRiskResult } from '../types.js';
import { describeEmptyPeriod, fleetBaseline, machineOut, periodOut } from './output.js';

/** top_at_risk: the machines with the highest recent failure probability in a period, each explained. */
export async function topAtRisk(deps: AgentToolDeps, raw: unknown): Promise<TopAtRiskResult> {
  const input = parseToolInput('top_at_risk', raw);
  const period = resolvePeriod(input.period, deps.now());
  const [ranking, summary] = await Promise.all([
    deps.queries.riskRanking({
      range: period.range,
      limit: input.limit,
      window: input.window,
      ...(input.mode ? { mode: input.mode } : {}),
    }),
    deps.queries.fleetSummary(period.range),
  ]);
  const fleet = fleetBaseline(summary);
  const result: TopAtRiskResult = {
    tool: 'top_at_risk',
    period: periodOut(period),
    rankedBy: `mean ${input.mode ? `${input.mode} ` : 'any-failure '}probability over each machine's latest ${input.window} readings in the period`,
    window: input.window,
    limit: input.limit,
    mode: input.mode ?? null,
    // The port already caps at `limit`; slicing again keeps the promise if an adapter ever does not.
    machines: ranking.slice(0, input.limit).map((m, i) => ({ rank: i + 1, ...machineOut(m, fleet) })),
  };
  if (ranking.length > 0) return result;
  return { ...result, ...(await describeEmptyPeriod(deps.queries, 'predictions', period)) };
}
