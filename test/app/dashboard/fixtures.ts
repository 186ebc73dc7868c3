import type { PipelineProgress } from '../../../app/pipeline/localPipeline.js';
import type { DriftSnapshot } from '../../../processors/drift/DriftMonitor.js';
import type {
  DriftDetailType,
  DriftEvent,
  DriftReference,
  DriftScoreRow,
  DriftState,
  FeatureReference,
  FeatureScore,
} from '../../../processors/drift/types.js';

export const T0 = Date.UTC(2024, 0, 15, 9);

function featureRef(name: string, mean: number, std: number): FeatureReference {
  return {
    name,
    mean,
    std,
    min: mean - 3 * std,
    max: mean + 3 * std,
    n: 1000,
    binEdges: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => mean + (i - 5) * std * 0.3),
    proportions: Array(10).fill(0.1),
    binGroup: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    groupProportions: Array(10).fill(0.1),
  };
}

/** A two-feature reference: torque (40 ± 10 Nm) then tool wear (100 ± 60 min). */
export function reference(): DriftReference {
  return {
    modelName: 'pfm-test',
    modelSha256: 'a'.repeat(64),
    modelVersion: 'aaaaaaaaaaaa',
    referenceSha256: 'b'.repeat(64),
    statisticsSha256: 'c'.repeat(64),
    features: [featureRef('torque_nm', 40, 10), featureRef('tool_wear_min', 100, 60)],
  };
}

/** One drift score row of window `w` (windows 10 s apart, from T0). */
export function driftRow(w: number, feature: string, overrides: Partial<DriftScoreRow> = {}): DriftScoreRow {
  return {
    time: T0 + (w + 1) * 10_000,
    scope: 'fleet',
    feature,
    windowStart: T0 + w * 10_000,
    windowEnd: T0 + (w + 1) * 10_000,
    n: 500,
    meanShift: 0.01 * w,
    varianceRatio: 1,
    psi: 0.01,
    cusum: 0,
    state: 'OK',
    breached: false,
    modelVersion: 'aaaaaaaaaaaa',
    ...overrides,
  };
}

/** A drift event of window `seq`, ending at T0 + seq * 10 s. */
export function driftEvent(
  seq: number,
  detailType: DriftDetailType = 'FeatureDriftDetected',
  scope: { kind: 'fleet' | 'qualityType'; id: string } = { kind: 'fleet', id: 'fleet' },
  states: [DriftState, DriftState] = ['OK', 'DRIFT'],
): DriftEvent {
  const end = new Date(T0 + seq * 10_000).toISOString();
  return {
    source: 'pfm.drift',
    detailType,
    time: end,
    detail: {
      schemaVersion: '1.0',
      eventId: `event-${seq}-${detailType}-${scope.id}`,
      model: { name: 'pfm-test', version: 'aaaaaaaaaaaa', sha256: 'a'.repeat(64) },
      reference: { sha256: 'b'.repeat(64) },
      scope,
      window: { seq, start: end, end, records: 500, terminatedEarly: false },
      decision: {
        state: states[1],
        previousState: states[0],
        severity: 'high',
        rule: 'cusum',
        breachingWindows: 2,
        windowsConsidered: 3,
        driftWindows: 1,
      },
      topFeatures: [
        {
          feature: 'torque_nm',
          meanShift: 0.8,
          varianceRatio: 1.1,
          psi: 0.3,
          cusum: 1.2,
          pValue: 1e-9,
          breached: ['mean', 'psi'],
        },
      ],
    },
  };
}

/** A live feature score: only the fields the dashboard reads matter. */
export function featureScore(feature: string, breached: FeatureScore['breached']): FeatureScore {
  return {
    feature,
    n: 500,
    mean: 0,
    meanShift: 0.8,
    zMean: 5,
    pMean: 1e-6,
    varianceRatio: 1,
    zVariance: 0,
    pVariance: 1,
    psi: 0.3,
    pPsi: 1e-4,
    missingFraction: 0,
    outOfRangeFraction: 0,
    sequential: { mean: 0, variance: 0, kMean: 0.5, kVariance: 0.5 },
    cusum: 1.2,
    breached,
    minP: 1e-6,
  };
}

export function snapshot(overrides: Partial<DriftSnapshot> = {}): DriftSnapshot {
  return {
    fleet: 'DRIFT',
    scopes: { fleet: { state: 'DRIFT', windowsInState: 2, suppressed: 0 } },
    features: [],
    windows: { evaluated: 3, windowRecords: 500, openRecords: 120, lastWindow: null },
    events: {
      emitted: 1,
      byType: {
        FeatureDriftDetected: 1,
        ModelRetrainingRecommended: 0,
        DriftResolved: 0,
        SensorStuck: 0,
        SensorRecovered: 0,
      },
      recent: [],
    },
    stuckSensors: [],
    undecodable: 0,
    duplicates: 0,
    pending: 0,
    ...overrides,
  };
}

export function progress(overrides: Partial<PipelineProgress> = {}): PipelineProgress {
  return {
    elapsedMs: 1000,
    produced: 1000,
    scored: 900,
    quarantined: 5,
    deadLettered: 1,
    predictedFailures: 30,
    recordsPerSecond: 950,
    lagRecords: 94,
    lagMs: 40,
    total: undefined,
    drift: undefined,
    done: false,
    ...overrides,
  };
}
