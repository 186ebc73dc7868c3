// The drift monitor on real data: the AI4I training file in its own (time) order, side by side with KS and
// PSI calibrated on the same windows. Cross-validation over time: the file is cut into contiguous folds;
// each fold is held out in turn, every detector is calibrated on the other folds only, and is scored on
// windows of the held-out fold only.
import { readFileSync } from 'node:fs';
import { renderTable } from '../app/cli/format.js';
import {
  calibrateOnHistory,
  historyPolicy,
  historyWindowRanges,
  type Segment,
} from '../app/drift/historyCalibration.js';
import { type History, historyFromCsv } from '../app/drift/historyReadings.js';
import { calibrateOnSimulator } from '../app/drift/simulatedCalibration.js';
import { DEFAULT_POLICY, type DriftPolicy } from '../processors/drift/constants.js';
import { createDriftCore, type DriftCore, type FeatureEngineer } from '../processors/drift/core.js';
import { modelEngineerFor } from '../processors/drift/modelFeatures.js';
import { loadDriftReference } from '../processors/drift/reference.js';
import type { DriftCalibration, DriftReference, MonitorState } from '../processors/drift/types.js';
import type { SensorReading } from '../schemas/reading.js';
import { createRandom, type Random } from '../stream/simulator/random.js';
import { createSimulator } from '../stream/simulator/Simulator.js';
import {
  type Baseline,
  calibratedKs,
  calibratedPsi,
  nominalKs,
  referenceSample,
  sampleOf,
  type WindowSample,
} from './driftBaselines.js';

export interface HistoryBenchOptions {
  file: string;
  windowRecords: number;
  /** Contiguous folds of the file (cross-validation over time). */
  folds: number;
  /** The calibration's replays of the file start every `phaseStride` rows (the CLI's default, window / 20). */
  phaseStride: number;
  /** The held-out evaluation's replays of the file in its own order start every `replayStride` rows. */
  replayStride: number;
  /** Windows of the long stationary stream made from each held-out fold (block bootstrap). */
  nullWindowsPerFold: number;
  /** Detection runs per fold on bootstrap streams; the shift starts after `windowsBeforeOnset` windows. */
  detectionRuns: number;
  windowsBeforeOnset: number;
  windowsAfterOnset: number;
  /** Mean block length of the stationary bootstrap, in readings. */
  meanBlock: number;
  /** Torque shift injected, in reference standard deviations. */
  shiftSd: number;
  seed: number;
}

export const DEFAULT_HISTORY_BENCH: Omit<HistoryBenchOptions, 'file'> = {
  windowRecords: 1000,
  folds: 4,
  phaseStride: 50,
  replayStride: 10,
  nullWindowsPerFold: 1000,
  detectionRuns: 20,
  windowsBeforeOnset: 5,
  windowsAfterOnset: 10,
  meanBlock: 1000,
  shiftSd: 1,
  seed: 15,
};

/** The detectors side by side: ours first, then the calibrated baselines, then contrasts. */
export const HISTORY_DETECTORS = [
  'pfm (calibrated on the history)',
  'pfm, per-window tests only',
  'KS calibrated',
  'PSI calibrated',
  'pfm calibrated on the simulator',
  'KS uncalibrated',
] as const;
export type HistoryDetector = (typeof HISTORY_DETECTORS)[number];

/** Counts of one detector on one kind of stream. */
export interface Tally {
  /** Windows scored (held-out windows only). */
  windows: number;
  /** Alarms: the monitor's FeatureDriftDetected events (any scope), a baseline's alarming windows. */
  alarms: number;
  /** Detection runs, and the delay in windows of each detected one (1 = the first shifted window). */
  runs: number;
  delays: number[];
  /** Alarms before the onset in the detection runs, out of `windowsBeforeOnset` windows each. */
  alarmsBeforeOnset: number;
}

export interface HistoryDetectorResult {
  detector: HistoryDetector;
  /** The file in its own order, every phase, scored on held-out windows: no reading used twice in a run. */
  fileOrder: Tally;
  /** Long streams from the held-out fold alone (stationary block bootstrap): readings recycled. */
  bootstrap: Tally;
  /** The same bootstrap procedure on a stationary simulated fleet history: the procedure's own floor. */
  control: Tally;
}

export interface HistoryBenchResult {
  options: HistoryBenchOptions;
  rows: number;
  results: HistoryDetectorResult[];
  /** Per fold: calibration windows, the calibrated mean factor of air temperature and KS's scale for it. */
  folds: {
    fold: number;
    rows: [number, number];
    calibrationWindows: number;
    airMeanFactor: number;
    ksAirScale: number;
  }[];
  /** Stuck-sensor events of the monitor on every stream (the file is one machine's processes). */
  stuckEvents: number;
  seconds: number;
}

/**
 * The stationary (Politis-Romano) bootstrap of one contiguous stretch: readings in their own order from a
 * random start, wrapping at the end of the stretch, jumping to a new random start with probability
 * 1/meanBlock before each reading. Within a block the time order, and so the slow wander of the
 * temperatures, is the data's own.
 */
function* blockBootstrap(
  readings: readonly SensorReading[],
  [start, end]: Segment,
  meanBlock: number,
  random: Random,
): Generator<SensorReading> {
  const length = end - start;
  const draw = () => start + Math.floor(random.uniform() * length);
  let i = draw();
  for (;;) {
    yield readings[i] as SensorReading;
    i = random.uniform() < 1 / meanBlock ? draw() : i + 1 >= end ? start : i + 1;
  }
}

function take<T>(it: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  for (let k = 0; k < n; k++) out.push(it.next().value as T);
  return out;
}

/** The readings with the torque shifted (copies; the history is left alone), rounded as sensors report. */
function shifted(readings: readonly SensorReading[], byNm: number): SensorReading[] {
  return readings.map((r) => ({ ...r, torqueNm: Math.round((r.torqueNm + byNm) * 10) / 10 }));
}

/** Every detector of one fold, calibrated on the same windows, with its state along one stream. */
interface FoldDetectors {
  monitors: Partial<Record<HistoryDetector, DriftCore>>;
  baselines: Partial<Record<HistoryDetector, Baseline>>;
}

/**
 * Runs every detector over a stream of windows, each from a fresh state; `score(w)` says whether window w
 * counts (a held-out window), `onset` where a shift starts (or null). Tallies into `pick(result)`.
 */
function runStream(
  windows: readonly WindowSample[],
  detectors: FoldDetectors,
  results: Map<HistoryDetector, HistoryDetectorResult>,
  pick: (r: HistoryDetectorResult) => Tally,
  opts: { score: (w: number) => boolean; onset: number | null; onStuck?: (n: number) => void },
): void {
  const states = new Map<HistoryDetector, { core: DriftCore; state: MonitorState }>(
    (Object.entries(detectors.monitors) as [HistoryDetector, DriftCore][]).map(([name, core]) => [
      name,
      { core, state: core.initialState() },
    ]),
  );
  const found = new Set<HistoryDetector>();
  for (const name of [...states.keys(), ...(Object.keys(detectors.baselines) as HistoryDetector[])]) {
    if (opts.onset !== null) pick(results.get(name) as HistoryDetectorResult).runs++;
  }
  windows.forEach((sample, w) => {
    const verdicts: [HistoryDetector, boolean][] = [];
    for (const [name, m] of states) {
      const e = m.core.evaluate(
        { seq: w + 1, start: w * 1000, end: (w + 1) * 1000 - 1, state: sample.state, terminatedEarly: false },
        m.state,
      );
      m.state = e.state;
      opts.onStuck?.(e.events.filter((x) => x.detailType === 'SensorStuck').length);
      verdicts.push([name, e.events.some((x) => x.detailType === 'FeatureDriftDetected')]);
    }
    for (const [name, b] of Object.entries(detectors.baselines) as [HistoryDetector, Baseline][])
      verdicts.push([name, b.alarm(sample)]);
    for (const [name, alarm] of verdicts) {
      const t = pick(results.get(name) as HistoryDetectorResult);
      if (opts.onset === null) {
        if (!opts.score(w)) continue;
        t.windows++;
        if (alarm) t.alarms++;
      } else if (alarm) {
        if (w < opts.onset) {
          if (opts.score(w)) t.alarmsBeforeOnset++;
        } else if (!found.has(name)) {
          found.add(name);
          t.delays.push(w - opts.onset + 1);
        }
      }
    }
  });
}

/** Builds every detector for one fold: calibrated on the windows of `training` only. */
function foldDetectors(ctx: {
  reference: DriftReference;
  engineer: FeatureEngineer;
  history: History;
  policy: Partial<DriftPolicy>;
  training: readonly Segment[];
  windowRecords: number;
  phaseStride: number;
  ksReference: Float64Array[];
  simulated: DriftCalibration;
  source: string;
}): FoldDetectors & { calibration: DriftCalibration; ksScales: number[]; calibrationWindows: number } {
  const { reference, engineer, history, policy } = ctx;
  const alpha = DEFAULT_POLICY.alpha;
  const uncalibrated = createDriftCore({ reference, engineer, policy });
  const samples = historyWindowRanges(history.readings.length, ctx.windowRecords, {
    segments: ctx.training,
    stride: ctx.phaseStride,
  }).map((sequence) =>
    sequence.map(([from, to]) => sampleOf(uncalibrated, engineer, history.readings.slice(from, to))),
  );
  const calibration = calibrateOnHistory({
    core: uncalibrated,
    history,
    windowRecords: ctx.windowRecords,
    segments: ctx.training,
    stride: ctx.phaseStride,
    sequences: samples.map((sequence) => sequence.map((x) => x.state)),
    source: ctx.source,
  });
  const ks = calibratedKs(samples.flat(), ctx.ksReference, alpha);
  return {
    calibration,
    ksScales: ks.scales,
    calibrationWindows: samples.flat().length,
    monitors: {
      'pfm (calibrated on the history)': createDriftCore({ reference, engineer, calibration, policy }),
      // The CUSUM's reference value out of reach: what is left are the per-window tests and M-of-N.
      'pfm, per-window tests only': createDriftCore({
        reference,
        engineer,
        calibration,
        policy: { ...policy, cusumK: 1e9 },
      }),
      'pfm calibrated on the simulator': createDriftCore({
        reference,
        engineer,
        calibration: ctx.simulated,
        policy,
      }),
    },
    baselines: {
      'KS calibrated': ks,
      'PSI calibrated': calibratedPsi(reference, calibration, alpha),
      'KS uncalibrated': nominalKs(ctx.ksReference, alpha),
    },
  };
}

/** The contiguous folds of n rows, and for each the stretches left to calibrate on. */
function foldsOf(n: number, folds: number, minLength: number): { heldOut: Segment; training: Segment[] }[] {
  return Array.from({ length: folds }, (_, f) => {
    const a = Math.round((f * n) / folds);
    const b = Math.round(((f + 1) * n) / folds);
    const training = (
      [
        [0, a],
        [b, n],
      ] as Segment[]
    ).filter(([x, y]) => y - x >= minLength);
    return { heldOut: [a, b] as Segment, training };
  });
}

/** Runs the whole real-data evaluation; deterministic for given options. */
export function runHistoryBench(
  options: HistoryBenchOptions,
  log: (line: string) => void = () => {},
): HistoryBenchResult {
  const began = performance.now();
  const o = options;
  const W = o.windowRecords;
  const reference = loadDriftReference();
  const engineer = modelEngineerFor(reference);
  const history = historyFromCsv(readFileSync(o.file, 'utf8'));
  const readings = history.readings;
  const N = readings.length;
  const torqueSd = reference.features.find((f) => f.name === 'torque_nm')?.std ?? Number.NaN;
  const shiftNm = o.shiftSd * torqueSd;
  // The file is one machine's processes: no fleet rule on machines per scope (historyPolicy).
  const policy = historyPolicy(history);
  const plain = createDriftCore({ reference, engineer, policy });
  const ksReference = referenceSample(reference, engineer, readings);
  log('calibrating the simulator contrast (3,000 windows of a 50-machine fleet)');
  // The monitor as the issue found it: calibrated on a stationary simulated fleet of 50 machines.
  const simulated = calibrateOnSimulator({
    reference,
    engineer,
    machines: 50,
    windowRecords: W,
    windows: 3000,
  });
  const empty = (): Tally => ({ windows: 0, alarms: 0, runs: 0, delays: [], alarmsBeforeOnset: 0 });
  const results = new Map<HistoryDetector, HistoryDetectorResult>(
    HISTORY_DETECTORS.map((d) => [
      d,
      { detector: d, fileOrder: empty(), bootstrap: empty(), control: empty() },
    ]),
  );
  const folds: HistoryBenchResult['folds'] = [];
  let stuckEvents = 0;
  const onStuck = (n: number) => {
    stuckEvents += n;
  };
  const random = createRandom(o.seed);
  const airAt = reference.features.findIndex((x) => x.name === 'air_temperature_k');

  // The file in its own order at every phase: the same windows for every fold (only the verdicts differ).
  const phases = historyWindowRanges(N, W, { stride: o.replayStride });
  const phaseSamples = phases.map((sequence) =>
    sequence.map(([from, to]) => sampleOf(plain, engineer, readings.slice(from, to))),
  );

  for (const [f, { heldOut, training }] of foldsOf(N, o.folds, W).entries()) {
    const [a, b] = heldOut;
    log(`fold ${f + 1}/${o.folds}: rows ${a + 1}-${b} held out; calibrating every detector on the rest`);
    const d = foldDetectors({
      reference,
      engineer,
      history,
      policy,
      training,
      windowRecords: W,
      phaseStride: o.phaseStride,
      ksReference,
      simulated,
      source: `bench: training file rows outside ${a + 1}-${b}`,
    });
    folds.push({
      fold: f + 1,
      rows: [a + 1, b],
      calibrationWindows: d.calibrationWindows,
      airMeanFactor: d.calibration.scopes.fleet?.air_temperature_k?.mean ?? Number.NaN,
      ksAirScale: d.ksScales[airAt] ?? Number.NaN,
    });

    // 1. The file in its own order from every phase, scored on the windows inside the held-out fold; then
    //    the same runs with the torque shifted from the first held-out window on.
    phases.forEach((ranges, p) => {
      const inFold = (w: number) => {
        const [from, to] = ranges[w] as Segment;
        return from >= a && to <= b;
      };
      runStream(phaseSamples[p] as WindowSample[], d, results, (r) => r.fileOrder, {
        score: inFold,
        onset: null,
        onStuck,
      });
      const onset = ranges.findIndex((_, w) => inFold(w));
      if (onset < 0) return;
      const withShift = ranges.map(([from, to], w) =>
        w < onset
          ? (phaseSamples[p]?.[w] as WindowSample)
          : sampleOf(plain, engineer, shifted(readings.slice(from, to), shiftNm)),
      );
      runStream(withShift, d, results, (r) => r.fileOrder, { score: () => true, onset });
    });

    // 2. Long stationary streams made from the held-out fold alone, then detection runs on such streams.
    const source = blockBootstrap(readings, heldOut, o.meanBlock, random);
    const nullWindows = Array.from({ length: o.nullWindowsPerFold }, () =>
      sampleOf(plain, engineer, take(source, W)),
    );
    runStream(nullWindows, d, results, (r) => r.bootstrap, { score: () => true, onset: null, onStuck });
    for (let run = 0; run < o.detectionRuns; run++) {
      const stream = blockBootstrap(readings, heldOut, o.meanBlock, random);
      const windows = Array.from({ length: o.windowsBeforeOnset + o.windowsAfterOnset }, (_, w) => {
        const raw = take(stream, W);
        return sampleOf(plain, engineer, w >= o.windowsBeforeOnset ? shifted(raw, shiftNm) : raw);
      });
      runStream(windows, d, results, (r) => r.bootstrap, { score: () => true, onset: o.windowsBeforeOnset });
    }
  }

  // 3. The control: the same folds, calibrations and bootstrap on a stationary simulated history of the same
  //    length (50 machines, time order): nothing changes in it, so whatever alarms is the procedure's doing.
  const sim = createSimulator({ machines: 50, seed: 404, startTime: 0, intervalMs: 1000 });
  const control: History = { readings: sim.take(N).map((x) => x.reading), machines: 50, rejects: [] };
  const controlPolicy = historyPolicy(control);
  const controlPlain = createDriftCore({ reference, engineer, policy: controlPolicy });
  for (const [f, { heldOut, training }] of foldsOf(N, o.folds, W).entries()) {
    log(`control fold ${f + 1}/${o.folds}: the same procedure on a stationary simulated history`);
    const d = foldDetectors({
      reference,
      engineer,
      history: control,
      policy: controlPolicy,
      training,
      windowRecords: W,
      phaseStride: o.phaseStride,
      ksReference,
      simulated,
      source: 'bench control',
    });
    const source = blockBootstrap(control.readings, heldOut, o.meanBlock, random);
    const nullWindows = Array.from({ length: o.nullWindowsPerFold / 2 }, () =>
      sampleOf(controlPlain, engineer, take(source, W)),
    );
    runStream(nullWindows, d, results, (r) => r.control, { score: () => true, onset: null });
  }
  return {
    options: o,
    rows: N,
    results: [...results.values()],
    folds,
    stuckEvents,
    seconds: (performance.now() - began) / 1000,
  };
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((p, q) => p - q);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The report's tables. */
export function renderHistoryBench(r: HistoryBenchResult): string {
  const o = r.options;
  const per1000 = (t: Tally) => (t.windows > 0 ? ((t.alarms / t.windows) * 1000).toFixed(2) : '-');
  const delay = (t: Tally) =>
    t.runs === 0
      ? '-'
      : `${t.delays.length}/${t.runs}, ${t.delays.length > 0 ? `${median(t.delays)} (max ${Math.max(...t.delays)})` : '-'}`;
  const out: string[] = [];
  out.push(
    `drift on real data: the ${r.rows.toLocaleString('en-US')} rows of ${o.file} in their own (time) order, windows of ` +
      `${o.windowRecords.toLocaleString('en-US')} rows. ${o.folds}-fold cross-validation over time: contiguous folds, each ` +
      'held out in turn; every detector calibrated on the windows of the other folds only (the same windows for ' +
      `all: consecutive windows replayed from every ${o.phaseStride}th row), and scored on held-out windows only. ` +
      `Every detector has the budget alpha = ${DEFAULT_POLICY.alpha} per window (baselines: Bonferroni over the features). ` +
      `Shift: +${o.shiftSd} sd of torque added to every reading from the onset on.`,
  );
  out.push(
    '',
    `(a) The file in its own order, replayed from every ${o.replayStride}th row, each run scored on the windows ` +
      'inside the held-out fold (no reading used twice in a run); shift from the first held-out window on.',
  );
  out.push(
    renderTable(
      ['detector', 'alarms / held-out windows', 'per 1,000', 'detected, delay in windows: median (max)'],
      r.results.map((x) => [
        x.detector,
        `${x.fileOrder.alarms} / ${x.fileOrder.windows}`,
        per1000(x.fileOrder),
        delay(x.fileOrder),
      ]),
    ),
  );
  out.push(
    '',
    `(b) Long streams made from the held-out fold alone by a stationary block bootstrap (mean block ${o.meanBlock} ` +
      `rows, the data's own order within blocks), ${o.nullWindowsPerFold} windows per fold; detection on ` +
      `${o.detectionRuns} such streams per fold, shift from window ${o.windowsBeforeOnset + 1}. Control: the same ` +
      'procedure on a stationary simulated history of the same length, where nothing changes.',
  );
  out.push(
    renderTable(
      [
        'detector',
        'false alarms per 1,000 windows',
        'control: per 1,000',
        'detected, delay in windows: median (max)',
        'alarms before onset',
      ],
      r.results.map((x) => [
        x.detector,
        per1000(x.bootstrap),
        per1000(x.control),
        delay(x.bootstrap),
        `${x.bootstrap.alarmsBeforeOnset} in ${x.bootstrap.runs * o.windowsBeforeOnset}`,
      ]),
    ),
  );
  out.push(
    '',
    `Calibration per fold: ${r.folds
      .map(
        (x) =>
          `fold ${x.fold} (rows ${x.rows[0]}-${x.rows[1]} held out) ${x.calibrationWindows} windows, air temperature mean factor ${x.airMeanFactor.toFixed(0)}, KS scale ${x.ksAirScale.toFixed(1)}`,
      )
      .join('; ')}. Stuck-sensor events on the unshifted streams: ${r.stuckEvents}.`,
  );
  out.push('', `measured in ${r.seconds.toFixed(1)} s`);
  return out.join('\n');
}
