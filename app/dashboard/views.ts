import type { DriftSnapshot } from '../../processors/drift/DriftMonitor.js';
import {
  DRIFT_DETAIL_TYPES,
  type DriftDetailType,
  type DriftEvent,
  type DriftReference,
} from '../../processors/drift/types.js';
import { FAILURE_MODES, type FailureMode } from '../../processors/inference/types.js';
import type {
  DriftHistory,
  FleetBucket,
  MachinePoint,
  MachineRisk,
  StoreCounts,
} from '../../processors/store/types.js';
import { type DriftLimitsSource, type FeatureLimits, featureLimits } from '../pipeline/driftLimits.js';
import type { PipelineProgress } from '../pipeline/localPipeline.js';
import { FEATURE_LABELS, RISK_BANDS } from './constants.js';
import type {
  DriftPanel,
  DriftView,
  EventRow,
  EventsView,
  FleetView,
  MachineDetailView,
  MachinesView,
  ProgressSample,
  RiskLevel,
  StatusView,
} from './types.js';

// Pure shaping of store rows, live counters and events into what the page draws. Chart columns carry times in
// epoch seconds, the unit uPlot's time axes take.

const seconds = (ms: number): number => ms / 1000;

/** The display band of a machine's recent risk. */
export function riskLevel(risk: number): RiskLevel {
  if (risk >= RISK_BANDS.high) return 'high';
  if (risk >= RISK_BANDS.elevated) return 'elevated';
  return 'normal';
}

/** The readable name and unit of a model feature (the raw name when it is not a known one). */
export function featureLabel(feature: string): { label: string; unit: string } {
  return FEATURE_LABELS[feature] ?? { label: feature, unit: '' };
}

/** Adds a progress report to the throughput history unless it repeats the last one; keeps the newest `max`. */
export function appendSample(
  samples: readonly ProgressSample[],
  progress: PipelineProgress | undefined,
  at: number,
  max: number,
): ProgressSample[] {
  if (!progress) return [...samples];
  const last = samples[samples.length - 1];
  if (last && last.elapsedMs === progress.elapsedMs) return [...samples];
  const next = [
    ...samples,
    {
      at,
      elapsedMs: progress.elapsedMs,
      recordsPerSecond: progress.recordsPerSecond,
      lagRecords: progress.lagRecords,
      lagMs: progress.lagMs,
    },
  ];
  return next.slice(Math.max(0, next.length - max));
}

/** The pipeline panel: live counters while a pipeline runs, the store's counts for a finished run. */
export function statusView(input: {
  live: boolean;
  progress: PipelineProgress | undefined;
  counts: StoreCounts;
  samples: readonly ProgressSample[];
  /** Records in the run's dead-letter file, for a finished run (a live one counts them itself). */
  deadLetters: number;
  dataDir: string;
  now: number;
}): StatusView {
  const { progress: p, counts } = input;
  return {
    mode: input.live ? 'live' : 'finished',
    running: input.live && !(p?.done ?? false),
    generatedAt: input.now,
    dataDir: input.dataDir,
    pipeline: {
      produced: p?.produced ?? null,
      scored: p?.scored ?? counts.predictions,
      quarantined: p?.quarantined ?? counts.quarantined,
      deadLettered: p?.deadLettered ?? input.deadLetters,
      predictedFailures: p?.predictedFailures ?? counts.predictedFailures,
      recordsPerSecond: p?.recordsPerSecond ?? null,
      lagRecords: p?.lagRecords ?? null,
      lagMs: p?.lagMs ?? null,
      elapsedMs: p?.elapsedMs ?? null,
      devices: counts.devices,
      quarantinedByCode: counts.quarantinedByCode,
      predictedByMode: counts.predictedByMode,
    },
    history: {
      time: input.samples.map((s) => seconds(s.at)),
      recordsPerSecond: input.samples.map((s) => s.recordsPerSecond),
      lagRecords: input.samples.map((s) => s.lagRecords),
      lagMs: input.samples.map((s) => s.lagMs),
    },
  };
}

/** The machine table: the store's ranking with a display band per machine. */
export function machinesView(risks: readonly MachineRisk[], window: number): MachinesView {
  return { window, machines: risks.map((m) => ({ ...m, level: riskLevel(m.risk) })) };
}

/** Mean of each value and the `window - 1` before it (fewer at the start). */
export function runningMean(values: readonly number[], window: number): number[] {
  const out: number[] = new Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i] as number;
    if (i >= window) sum -= values[i - window] as number;
    out[i] = sum / Math.min(i + 1, window);
  }
  return out;
}

/** One machine's chart columns: running risk and mode means over `window` readings, alarms, four key readings. */
export function machineDetailView(
  deviceId: string,
  points: readonly MachinePoint[],
  window: number,
  alarmThreshold: number | null = null,
): MachineDetailView {
  const modeMeans = Object.fromEntries(
    FAILURE_MODES.map((m) => [
      m,
      runningMean(
        points.map((p) => p.probabilities[m]),
        window,
      ),
    ]),
  ) as Record<FailureMode, number[]>;
  const risk = points.map((p) => p.risk);
  return {
    deviceId,
    points: points.length,
    alarms: points.filter((p) => p.failure).length,
    window,
    alarmThreshold,
    columns: {
      time: points.map((p) => seconds(p.time)),
      risk,
      riskMean: runningMean(risk, window),
      modeMeans,
      alarm: points.map((p) => (p.failure ? p.risk : null)),
      torqueNm: points.map((p) => p.readings.torqueNm),
      toolWearMin: points.map((p) => p.readings.toolWearMin),
      rotationalSpeedRpm: points.map((p) => p.readings.rotationalSpeedRpm),
      temperatureDeltaK: points.map((p) =>
        round(p.readings.processTemperatureK - p.readings.airTemperatureK, 3),
      ),
    },
  };
}

/** The fleet chart: per time bucket, predictions, mean and peak risk and alarms; alarm totals by mode. */
export function fleetView(buckets: readonly FleetBucket[]): FleetView {
  const alarmsByMode = Object.fromEntries(
    FAILURE_MODES.map((m) => [m, buckets.reduce((sum, b) => sum + b.alarmsByMode[m], 0)]),
  ) as Record<FailureMode, number>;
  return {
    columns: {
      time: buckets.map((b) => seconds(b.start)),
      predictions: buckets.map((b) => b.predictions),
      meanRisk: buckets.map((b) => b.meanRisk),
      peakRisk: buckets.map((b) => b.peakRisk),
      alarms: buckets.map((b) => b.alarms),
    },
    alarmsByMode,
  };
}

/**
 * The drift panels: one per model feature (reference order), each the fleet scope's mean shift and PSI over
 * the recent windows against the reference, and, with the run's drift limits, the value at which each
 * statistic would breach; the live monitor, when there is one, adds the tests that fired and its window
 * progress, and its scope states are fresher than the store's.
 */
export function driftView(input: {
  history: DriftHistory;
  reference: DriftReference | null;
  snapshot: DriftSnapshot | undefined;
  limits?: DriftLimitsSource | undefined;
}): DriftView {
  const { history, reference, snapshot } = input;
  const limitCache = new Map<string, FeatureLimits | null>();
  const limitsOf = (feature: string, n: number): FeatureLimits | null => {
    if (!input.limits) return null;
    const key = `${feature}:${n}`;
    let limits = limitCache.get(key);
    if (limits === undefined) {
      limits = featureLimits(input.limits, 'fleet', feature, n) ?? null;
      limitCache.set(key, limits);
    }
    return limits;
  };
  const byFeature = new Map<string, DriftHistory['rows']>();
  for (const row of history.rows) {
    if (row.scope !== 'fleet') continue;
    const list = byFeature.get(row.feature) ?? [];
    list.push(row);
    byFeature.set(row.feature, list);
  }
  const names = reference ? reference.features.map((f) => f.name) : [];
  for (const name of byFeature.keys()) if (!names.includes(name)) names.push(name);

  const liveWindowEnd = snapshot?.windows.lastWindow?.end;
  const liveTests = new Map((snapshot?.features ?? []).map((f) => [f.feature, f.breached as string[]]));
  const panels = names.map((feature): DriftPanel => {
    const rows = [...(byFeature.get(feature) ?? [])].sort((a, b) => a.windowEnd - b.windowEnd);
    const ref = reference?.features.find((f) => f.name === feature);
    const last = rows[rows.length - 1];
    return {
      feature,
      ...featureLabel(feature),
      reference: ref ? { mean: ref.mean, std: ref.std } : null,
      latest: last
        ? {
            windowEnd: last.windowEnd,
            meanShift: last.meanShift,
            mean: ref ? ref.mean + last.meanShift * ref.std : null,
            varianceRatio: last.varianceRatio,
            psi: last.psi,
            cusum: last.cusum,
            breached: last.breached,
            tests: liveWindowEnd === last.windowEnd ? (liveTests.get(feature) ?? []) : [],
            n: last.n,
            limits: limitsOf(feature, last.n),
          }
        : null,
      series: {
        time: rows.map((r) => seconds(r.windowEnd)),
        meanShift: rows.map((r) => r.meanShift),
        psi: rows.map((r) => r.psi),
        breachedShift: rows.map((r) => (r.breached ? r.meanShift : null)),
        shiftLimit: rows.map((r) => limitsOf(feature, r.n)?.meanShift ?? null),
      },
    };
  });

  const scopes = history.scopes.map((s) => ({
    scope: s.scope,
    state: snapshot?.scopes[s.scope as keyof DriftSnapshot['scopes']]?.state ?? s.state,
    windows: s.windows,
  }));
  const liveFleet = snapshot && snapshot.windows.evaluated > 0 ? snapshot.fleet : undefined;
  return {
    available: history.available || snapshot !== undefined,
    fleet: liveFleet ?? history.scopes.find((s) => s.scope === 'fleet')?.state ?? null,
    scopes,
    windows: snapshot
      ? {
          evaluated: snapshot.windows.evaluated,
          windowRecords: snapshot.windows.windowRecords,
          openRecords: snapshot.windows.openRecords,
        }
      : null,
    panels,
  };
}

/** The event list: newest first, at most `limit`, with counts by type over all of them. */
export function eventsView(events: readonly DriftEvent[], limit: number): EventsView {
  // Every type the log holds is counted, including one this page was written before.
  const byType = Object.fromEntries(DRIFT_DETAIL_TYPES.map((t) => [t, 0])) as Record<DriftDetailType, number>;
  for (const e of events) byType[e.detailType] = (byType[e.detailType] ?? 0) + 1;
  const rows = events.map((e, i) => ({ e, i, time: Date.parse(e.time) }));
  // Newest first; events of one window keep the order they were published in.
  rows.sort((a, b) => b.time - a.time || b.i - a.i);
  return {
    total: events.length,
    byType,
    events: rows.slice(0, limit).map(({ e, time }): EventRow => {
      const d = e.detail;
      return {
        id: d.eventId,
        time,
        type: e.detailType,
        // Any scope kind the monitor may name (fleet, quality type, or a kind added later such as a device).
        scope:
          d.scope.kind === 'fleet'
            ? 'fleet'
            : d.scope.kind === 'qualityType'
              ? `quality:${d.scope.id}`
              : `${d.scope.kind}:${d.scope.id}`,
        from: d.decision.previousState,
        to: d.decision.state,
        severity: d.decision.severity,
        rule: d.decision.rule,
        windowSeq: d.window.seq,
        features: d.topFeatures.map((f) => ({
          feature: f.feature,
          label: featureLabel(f.feature).label,
          meanShift: f.meanShift,
          psi: f.psi,
          breached: [...f.breached],
        })),
      };
    }),
  };
}

/** Complete JSON lines of an event log: a torn or malformed line is skipped (the writer retries it). */
export function parseEventLines(text: string): DriftEvent[] {
  const events: DriftEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as Partial<DriftEvent>;
      if (typeof value.detailType === 'string' && typeof value.detail?.eventId === 'string') {
        events.push(value as DriftEvent);
      }
    } catch {
      // A crashed append leaves at most one partial line; it is not an event.
    }
  }
  return events;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
