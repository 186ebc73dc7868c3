import { createHash } from 'node:crypto';
import { DRIFT_EVENT_SCHEMA_VERSION, DRIFT_EVENT_SOURCE } from './constants.js';
import type { Transition } from './decision.js';
import type {
  ClosedWindow,
  DriftDetailType,
  DriftEvent,
  DriftReference,
  EventFeature,
  FeatureScore,
  ScopeKey,
} from './types.js';

/**
 * The event id: a hash of the model, the reference, the scope, the detail type and the window. A redelivered
 * or re-evaluated window yields the same id, so a consumer (and LocalEventLog) can drop the copy.
 */
export function deriveEventId(
  reference: Pick<DriftReference, 'modelSha256' | 'referenceSha256'>,
  scope: ScopeKey,
  detailType: DriftDetailType,
  window: Pick<ClosedWindow, 'seq' | 'start' | 'end'>,
): string {
  const key = [
    reference.modelSha256,
    reference.referenceSha256,
    scope,
    detailType,
    window.seq,
    window.start,
    window.end,
  ].join('|');
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The features to name in an event: breached first, then by smallest p-value, then by PSI. */
export function topFeatures(scores: readonly FeatureScore[], limit: number): EventFeature[] {
  return [...scores]
    .sort(
      (a, b) =>
        Number(b.breached.length > 0) - Number(a.breached.length > 0) ||
        a.minP - b.minP ||
        b.psi - a.psi ||
        a.feature.localeCompare(b.feature),
    )
    .slice(0, limit)
    .map((s) => ({
      feature: s.feature,
      meanShift: finite(s.meanShift),
      varianceRatio: finite(s.varianceRatio),
      psi: finite(s.psi),
      cusum: finite(s.cusum),
      pValue: finite(s.minP),
      breached: [...s.breached],
    }));
}

/** Builds the event for one transition of one scope. */
export function buildDriftEvent(args: {
  reference: DriftReference;
  scope: ScopeKey;
  window: ClosedWindow;
  scopeRecords: number;
  transition: Transition;
  scores: readonly FeatureScore[];
  topFeatureCount: number;
  source?: string;
}): DriftEvent {
  const { reference, scope, window, transition } = args;
  const eventId = deriveEventId(reference, scope, transition.detailType, window);
  return {
    source: args.source ?? DRIFT_EVENT_SOURCE,
    detailType: transition.detailType,
    time: new Date(window.end).toISOString(),
    detail: {
      schemaVersion: DRIFT_EVENT_SCHEMA_VERSION,
      eventId,
      model: { name: reference.modelName, version: reference.modelVersion, sha256: reference.modelSha256 },
      reference: { sha256: reference.referenceSha256 },
      scope:
        scope === 'fleet'
          ? { kind: 'fleet', id: 'fleet' }
          : { kind: 'qualityType', id: scope.slice('quality:'.length) },
      window: {
        seq: window.seq,
        start: new Date(window.start).toISOString(),
        end: new Date(window.end).toISOString(),
        records: args.scopeRecords,
        terminatedEarly: window.terminatedEarly,
      },
      decision: {
        state: transition.state,
        previousState: transition.previousState,
        severity: transition.severity,
        rule: transition.rule,
        breachingWindows: transition.breachingWindows,
        windowsConsidered: transition.windowsConsidered,
        driftWindows: transition.driftWindows,
      },
      topFeatures: topFeatures(args.scores, args.topFeatureCount),
    },
  };
}

// JSON has no NaN or Infinity; an event must always validate against its schema.
function finite(x: number): number {
  if (Number.isFinite(x)) return x;
  return x > 0 ? Number.MAX_VALUE : x < 0 ? -Number.MAX_VALUE : 0;
}
