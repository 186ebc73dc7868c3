import type { DriftEvent } from '../../drift/types.js';
import { TOOL_DEFAULTS } from '../constants.js';
import { resolvePeriod } from '../periods.js';
import { parseToolInput } from '../toolInputs.js';
import type { AgentToolDeps, DriftEventOut, DriftStatusResult } from '../types.js';
import { iso, p3, periodOut } from './output.js';

/** drift_status: each scope's latest drift state and top features, and the drift events of a period. */
export async function driftStatus(deps: AgentToolDeps, raw: unknown): Promise<DriftStatusResult> {
  const input = parseToolInput('drift_status', raw);
  const period = resolvePeriod(input.period, deps.now());
  const [status, events] = await Promise.all([
    deps.queries.driftStatus({ range: period.range, features: TOOL_DEFAULTS.driftFeatures }),
    deps.events ? deps.events.recentEvents({ range: period.range, limit: input.limit }) : undefined,
  ]);
  const items = (events ?? []).slice(0, input.limit).map(eventOut);
  const result: DriftStatusResult = {
    tool: 'drift_status',
    period: periodOut(period),
    available: status.available,
    scopes: status.scopes.map((s) => ({
      scope: s.scope,
      state: s.state,
      windowEnd: iso(s.windowEnd),
      modelVersion: s.modelVersion,
      topFeatures: s.features.map((f) => ({
        feature: f.feature,
        psi: p3(f.psi),
        meanShift: p3(f.meanShift),
        varianceRatio: f.varianceRatio === null ? null : p3(f.varianceRatio),
        breached: f.breached,
      })),
    })),
    windowsByState: status.windowsByState,
    events: {
      available: deps.events !== undefined,
      items,
      retrainingRecommended: items.filter((e) => e.type === 'ModelRetrainingRecommended').length,
      ...(deps.events ? {} : { reason: deps.eventsUnavailableReason ?? 'no event history is configured' }),
    },
  };
  if (!status.available) {
    result.note = `No drift scores: ${status.unavailableReason ?? 'the store keeps none'}.`;
  } else if (status.scopes.length === 0) {
    result.note = `No drift window was evaluated in this period (${period.name}).`;
  }
  return result;
}

function eventOut(e: DriftEvent): DriftEventOut {
  return {
    time: e.time,
    type: e.detailType,
    // Named as drift_scores names scopes, so an event and a scope's state line up.
    scope: e.detail.scope.kind === 'fleet' ? 'fleet' : `quality:${e.detail.scope.id}`,
    state: e.detail.decision.state,
    previousState: e.detail.decision.previousState,
    severity: e.detail.decision.severity,
    rule: e.detail.decision.rule,
    features: e.detail.topFeatures.map((f) => f.feature),
  };
}
