import { createHash } from 'node:crypto';
import { DRIFT_EVENT_SCHEMA_VERSION, DRIFT_EVENT_SOURCE } from './constants.js';
import type { Transition } from './decision.js';
import type { StuckTransition } from './stuck.js';
import type {
  ClosedWindow,
  DriftDetailType,
  DriftEvent,
  DriftEventDetail,
  DriftReference,
  EventFeature,
  FeatureScore,
  ScopeKey,
  Sensor,
} from './types.js';

/**
 * The event id: a hash of the model, the reference, the scope, the detail type and the window. A redelivered
 * or re-evaluated window yields the same id, so a consumer (and LocalEventLog) can drop the copy.
 */
export function deriveEventId(
  reference: Pick<DriftReference, 'modelSha256' | 'referenceSha256'>,
  scope: ScopeKey | `device:${string}`,
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
  const { scope, transition } = args;
  return envelope({
    reference: args.reference,
    window: args.window,
    source: args.source,
    scopeKey: scope,
    detailType: transition.detailType,
    scope:
      scope === 'fleet'
        ? { kind: 'fleet', id: 'fleet' }
        : { kind: 'qualityType', id: scope.slice('quality:'.length) },
    records: args.scopeRecords,
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
  });
}

/**
 * The envelope every drift event shares (source, type, time, event id, model, reference, scope, window) around
 * its decision, top features and, for stuck-sensor events, its sensors.
 */
function envelope(args: {
  reference: DriftReference;
  window: ClosedWindow;
  /** The scope as the event id names it (a ScopeKey, or `device:<id>`). */
  scopeKey: Parameters<typeof deriveEventId>[1];
  detailType: DriftEvent['detailType'];
  scope: DriftEventDetail['scope'];
  records: number;
  decision: DriftEventDetail['decision'];
  topFeatures: DriftEventDetail['topFeatures'];
  sensors?: DriftEventDetail['sensors'];
  source?: string;
}): DriftEvent {
  const { reference, window } = args;
  return {
    source: args.source ?? DRIFT_EVENT_SOURCE,
    detailType: args.detailType,
    time: new Date(window.end).toISOString(),
    detail: {
      schemaVersion: DRIFT_EVENT_SCHEMA_VERSION,
      eventId: deriveEventId(reference, args.scopeKey, args.detailType, window),
      model: { name: reference.modelName, version: reference.modelVersion, sha256: reference.modelSha256 },
      reference: { sha256: reference.referenceSha256 },
      scope: args.scope,
      window: {
        seq: window.seq,
        start: new Date(window.start).toISOString(),
        end: new Date(window.end).toISOString(),
        records: args.records,
        terminatedEarly: window.terminatedEarly,
      },
      decision: args.decision,
      topFeatures: args.topFeatures,
      ...(args.sensors === undefined ? {} : { sensors: args.sensors }),
    },
  };
}

/** The model feature each sensor feeds as is (model/features.ts names them after the sensors). */
export const SENSOR_FEATURES: Readonly<Record<Sensor, string>> = {
  airTemperatureK: 'air_temperature_k',
  processTemperatureK: 'process_temperature_k',
  rotationalSpeedRpm: 'rotational_speed_rpm',
  torqueNm: 'torque_nm',
  toolWearMin: 'tool_wear_min',
};

/**
 * Builds the event of a device whose sensors became stuck or recovered. It has the envelope of every drift
 * event (scope, window, decision, topFeatures) so existing consumers read it, with the scope kind `device`
 * and the details in `sensors`. The sensors appear in topFeatures as the model features they feed: the
 * repeated value as a mean shift against the reference, variance ratio 0, test `stuck`, and as p-value the
 * chance that a healthy sensor repeats itself that many times in a row (the calibrated continuation
 * probability to the power of the run).
 */
export function buildStuckEvent(args: {
  reference: DriftReference;
  window: ClosedWindow;
  transition: StuckTransition;
  tailContinuation: (sensor: Sensor) => number;
  recoverWindows: number;
  source?: string;
}): DriftEvent {
  const { reference, transition } = args;
  const onset = transition.detailType === 'SensorStuck';
  return envelope({
    reference: args.reference,
    window: args.window,
    source: args.source,
    scopeKey: `device:${transition.deviceId}`,
    detailType: transition.detailType,
    scope: { kind: 'device', id: transition.deviceId },
    records: transition.readings,
    decision: {
      state: onset ? 'DRIFT' : 'OK',
      previousState: onset ? 'OK' : 'DRIFT',
      severity: 'high',
      rule: onset ? 'stuck-run' : 'k-clean',
      breachingWindows: onset ? 1 : 0,
      windowsConsidered: onset ? 1 : args.recoverWindows,
      driftWindows: transition.stuckWindows,
    },
    topFeatures: transition.sensors.map((s) => {
      const name = SENSOR_FEATURES[s.sensor];
      const ref = reference.features.find((f) => f.name === name);
      return {
        feature: name,
        meanShift: ref ? finite((s.value - ref.mean) / ref.std) : 0,
        varianceRatio: 0,
        psi: 0,
        cusum: 0,
        pValue: finite(Math.min(1, args.tailContinuation(s.sensor) ** s.run)),
        breached: ['stuck'],
      };
    }),
    sensors: transition.sensors.map((s) => ({ ...s, value: finite(s.value) })),
  });
}

// JSON has no NaN or Infinity; an event must always validate against its schema.
function finite(x: number): number {
  if (Number.isFinite(x)) return x;
  return x > 0 ? Number.MAX_VALUE : x < 0 ? -Number.MAX_VALUE : 0;
}
