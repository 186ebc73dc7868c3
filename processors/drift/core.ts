import { PfmError } from '../../kernel/errors.js';
import type { MachineReading, SensorReading } from '../../schemas/reading.js';
import { DEFAULT_POLICY, DEVICE_SAMPLE_CAP, type DriftPolicy, SCOPES } from './constants.js';
import {
  applyTests,
  initialScopeDecision,
  severityOf,
  stepScope,
  type Thresholds,
  thresholdsFor,
} from './decision.js';
import { buildDriftEvent, buildStuckEvent } from './events.js';
import { scopeFeatureIndices, scoreScope } from './scores.js';
import { stepStuckSensors } from './stuck.js';
import {
  type ClosedWindow,
  type DriftCalibration,
  type DriftEvent,
  type DriftReference,
  type DriftScoreRow,
  type Evaluation,
  type FeatureReference,
  type FeatureScore,
  type MonitorState,
  type ScopeDecision,
  SENSORS,
  type WindowState,
} from './types.js';
import { addToWindow } from './window.js';

/** Computes the model's engineered features of a reading, in features.txt order. */
export type FeatureEngineer = (reading: MachineReading) => ArrayLike<number>;

export interface DriftCoreDeps {
  reference: DriftReference;
  /** The model's own feature engineering, so the monitor watches exactly what the model sees. */
  engineer: FeatureEngineer;
  /** Null spreads measured on stationary windows; without it, iid theory and no stuck-sensor check. */
  calibration?: DriftCalibration;
  policy?: Partial<DriftPolicy>;
  /** EventBridge source of the events. */
  source?: string;
}

/** The pure drift monitor: folds readings into windows and turns closed windows into scores, decisions, events. */
export interface DriftCore {
  readonly reference: DriftReference;
  readonly policy: DriftPolicy;
  readonly thresholds: Thresholds;
  /** The calibration the thresholds come from (undefined: iid theory, no stuck-sensor check). */
  readonly calibration: DriftCalibration | undefined;
  /** Folds one decoded reading into a window (in place). */
  add(window: WindowState, reading: SensorReading): void;
  /** Scores a closed window and advances the decision state; a window at or before lastSeq is a no-op. */
  evaluate(window: ClosedWindow, state: MonitorState): Evaluation;
  /** The decision state of a monitor that has seen nothing. */
  initialState(): MonitorState;
}

/** Builds the drift core once: validates the calibration against the reference and fixes the thresholds. */
export function createDriftCore(deps: DriftCoreDeps): DriftCore {
  const { reference, engineer } = deps;
  const policy: DriftPolicy = { ...DEFAULT_POLICY, ...deps.policy };
  validatePolicy(policy);
  if (deps.calibration && deps.calibration.referenceStatisticsSha256 !== reference.statisticsSha256) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `drift calibration was measured against reference statistics ${deps.calibration.referenceStatisticsSha256.slice(0, 12)}, ` +
        `not the loaded reference's ${reference.statisticsSha256.slice(0, 12)}; recalibrate (pfm drift calibrate)`,
    );
  }
  const sensorThresholds = deps.calibration?.sensors ?? {};
  const featuresPerScope = SCOPES.map((s) => scopeFeatureIndices(reference, s).length);
  const tested = featuresPerScope.reduce((a, b) => a + b, 0);
  const thresholds = thresholdsFor(policy, tested * 3, tested * 4);
  const values = new Float64Array(reference.features.length);
  const sensors = new Float64Array(SENSORS.length);
  const input = {
    deviceId: '',
    timestamp: 0,
    qualityType: 'L' as MachineReading['qualityType'],
    values,
    sensors,
  };

  return {
    reference,
    policy,
    thresholds,
    calibration: deps.calibration,
    add(window, reading) {
      const engineered = engineer(reading);
      if (engineered.length !== values.length) {
        throw new PfmError(
          'MODEL_MISMATCH',
          `feature engineering gave ${engineered.length} values, the reference has ${values.length}`,
        );
      }
      // The model sees float32 and the reference bins were cut on float32 values: round the same way.
      for (let j = 0; j < values.length; j++) values[j] = Math.fround(engineered[j] as number);
      for (let s = 0; s < SENSORS.length; s++) sensors[s] = reading[SENSORS[s] as (typeof SENSORS)[number]];
      input.deviceId = reading.deviceId;
      input.timestamp = reading.timestamp;
      input.qualityType = reading.qualityType;
      addToWindow(window, reference, input);
    },
    evaluate(window, state) {
      if (state.lastSeq !== null && window.seq <= state.lastSeq) {
        return { applied: false, window, scores: {}, rows: [], events: [], state };
      }
      const next: MonitorState = { version: 1, lastSeq: window.seq, scopes: { ...state.scopes } };
      const scores: Evaluation['scores'] = {};
      const rows: DriftScoreRow[] = [];
      const events: DriftEvent[] = [];
      for (const scope of SCOPES) {
        const acc = window.state.scopes[scope];
        if (!acc || acc.records < policy.minScopeRecords || acc.devices.length < policy.minScopeDevices)
          continue;
        // A calibration that could not measure a scope (too few machines of that type in the replayed
        // fleet) gives no licence to score it with iid theory instead.
        if (deps.calibration && !deps.calibration.scopes[scope]) continue;
        const indices = scopeFeatureIndices(reference, scope);
        const scopeScores = scoreScope(scope, acc, reference, deps.calibration, {
          k: policy.cusumK,
          referenceToleranceZ: policy.referenceToleranceZ,
        });
        if (scopeScores.length === 0) continue;
        const prev: ScopeDecision = state.scopes[scope] ?? initialScopeDecision(indices.length);
        // CUSUM memory is per tested feature; features without a score this window keep theirs.
        const byName = new Map(indices.map((j, i) => [(reference.features[j] as FeatureReference).name, i]));
        const scoredIdx = scopeScores.map((s) => byName.get(s.feature) as number);
        const tests = applyTests(
          scopeScores,
          scoredIdx.map((i) => prev.cusum[i] ?? [0, 0, 0, 0]),
          thresholds,
        );
        const cusum = prev.cusum.map((c) => [...c]);
        scoredIdx.forEach((i, k) => {
          cusum[i] = tests.cusum[k] as number[];
        });
        const severity = severityOf(scopeScores);
        const { next: decision, transitions } = stepScope(
          prev,
          { breach: tests.breach, sequentialAlarm: tests.sequentialAlarm, severity },
          cusum,
          policy,
          { seq: window.seq, recommendsRetraining: scope === 'fleet' },
        );
        next.scopes[scope] = decision;
        scores[scope] = scopeScores;
        for (const s of scopeScores)
          rows.push(scoreRow(s, scope, window, decision.state, reference.modelVersion));
        for (const transition of transitions) {
          events.push(
            buildDriftEvent({
              reference,
              scope,
              window,
              scopeRecords: acc.records,
              transition,
              scores: scopeScores,
              topFeatureCount: policy.topFeatures,
              ...(deps.source ? { source: deps.source } : {}),
            }),
          );
        }
      }
      // The stuck-sensor check, device by device, with the thresholds the calibration measured.
      const stuck = stepStuckSensors(
        window.state,
        state.devices ?? {},
        sensorThresholds,
        policy.k,
        window.seq,
      );
      next.devices = stuck.devices;
      for (const transition of stuck.transitions) {
        events.push(
          buildStuckEvent({
            reference,
            window,
            transition,
            tailContinuation: (sensor) => sensorThresholds[sensor]?.tailContinuation ?? 1,
            recoverWindows: policy.k,
            ...(deps.source ? { source: deps.source } : {}),
          }),
        );
      }
      return { applied: true, window, scores, rows, events, state: next };
    },
    initialState() {
      return { version: 1, lastSeq: null, scopes: {}, devices: {} };
    },
  };
}

function scoreRow(
  s: FeatureScore,
  scope: DriftScoreRow['scope'],
  window: ClosedWindow,
  state: DriftScoreRow['state'],
  modelVersion: string,
): DriftScoreRow {
  return {
    time: window.end,
    scope,
    feature: s.feature,
    windowStart: window.start,
    windowEnd: window.end,
    n: s.n,
    meanShift: s.meanShift,
    varianceRatio: s.varianceRatio,
    psi: s.psi,
    cusum: s.cusum,
    state,
    breached: s.breached.length > 0,
    modelVersion,
  };
}

function validatePolicy(p: DriftPolicy): void {
  const fail = (why: string): never => {
    throw new PfmError('CONFIG_INVALID', `invalid drift policy: ${why}`);
  };
  if (!(p.alpha > 0 && p.alpha < 1)) fail(`alpha must be in (0, 1), got ${p.alpha}`);
  for (const key of [
    'm',
    'n',
    'k',
    'cooldownWindows',
    'retrainAfterWindows',
    'minScopeRecords',
    'minScopeDevices',
    'topFeatures',
  ] as const) {
    if (!Number.isSafeInteger(p[key]) || p[key] < 1) fail(`${key} must be a positive integer, got ${p[key]}`);
  }
  if (p.minScopeDevices > DEVICE_SAMPLE_CAP) fail(`minScopeDevices cannot exceed ${DEVICE_SAMPLE_CAP}`);
  if (p.m > p.n) fail(`m (${p.m}) cannot exceed n (${p.n})`);
  if (!(p.cusumK >= 0)) fail(`cusumK must be >= 0, got ${p.cusumK}`);
  if (!(p.referenceToleranceZ >= 0)) fail(`referenceToleranceZ must be >= 0, got ${p.referenceToleranceZ}`);
}
