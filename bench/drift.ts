import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderTable } from '../app/cli/format.js';
import { historyFromCsv } from '../app/drift/historyReadings.js';
import { calibrate, createRunCounter } from '../processors/drift/calibration.js';
import { DEFAULT_POLICY } from '../processors/drift/constants.js';
import { createDriftCore, type DriftCore } from '../processors/drift/core.js';
import { modelEngineerFor } from '../processors/drift/modelFeatures.js';
import { loadDriftReference } from '../processors/drift/reference.js';
import {
  type DriftCalibration,
  type DriftReference,
  type MonitorState,
  SENSORS,
  type WindowState,
} from '../processors/drift/types.js';
import type { SensorReading } from '../schemas/reading.js';
import { createSimulator } from '../stream/simulator/Simulator.js';
import type { DriftFeature, DriftInjection } from '../stream/simulator/types.js';
import {
  type Baseline,
  calibratedKs,
  calibratedPsi,
  nominalKs,
  referenceSample,
  sampleOf,
  type WindowSample,
} from './driftBaselines.js';
import { DEFAULT_HISTORY_BENCH, renderHistoryBench, runHistoryBench } from './driftHistory.js';

const TRAINING_CSV = fileURLToPath(new URL('../../shared/data/ai4i2020-train.csv', import.meta.url));
const INTERVAL_MS = 1000;

/** Knobs of the evaluation. */
export interface DriftBenchOptions {
  machines: number;
  windowRecords: number;
  /** Stationary windows for the false-alarm rate. */
  stationaryWindows: number;
  /** Stationary windows replayed (another seed) to calibrate the monitor. */
  calibrationWindows: number;
  /** Runs per drift scenario, each with its own seed. */
  replicates: number;
  /** Clean windows before the drift starts, and windows watched after it started. */
  windowsBeforeOnset: number;
  windowsAfterOnset: number;
}

/** The settings the report's table was measured with. */
export const DEFAULT_DRIFT_BENCH: DriftBenchOptions = {
  machines: 50,
  windowRecords: 1000,
  stationaryWindows: 3000,
  calibrationWindows: 3000,
  replicates: 10,
  windowsBeforeOnset: 10,
  windowsAfterOnset: 20,
};

/** The detectors compared on the same windows (the baselines calibrated on the monitor's calibration windows). */
export const DETECTORS = [
  'pfm calibrated',
  'pfm iid theory',
  'KS calibrated',
  'PSI calibrated',
  'KS uncalibrated',
] as const;
export type Detector = (typeof DETECTORS)[number];

/** One drift scenario: sensor faults injected from the onset on, sized in reference standard deviations. */
export interface Scenario {
  name: string;
  /** The engineered feature the fault is in (checked against the top features of the event). */
  feature: string;
  drift: (ctx: {
    reference: DriftReference;
    machines: number;
    onsetMs: number;
    windowMs: number;
  }) => DriftInjection[];
}

const sdOf = (reference: DriftReference, name: string): number =>
  reference.features.find((f) => f.name === name)?.std ?? Number.NaN;
const step =
  (sensor: DriftFeature, feature: string, sds: number): Scenario['drift'] =>
  (c) => [{ feature: sensor, kind: 'offset', amount: sds * sdOf(c.reference, feature), fromTime: c.onsetMs }];
const firstMachines = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `M-${String(i + 1).padStart(4, '0')}`);

/** The scenarios of the report: mean shifts, a slow drift, a variance change and stuck sensors. */
export const SCENARIOS: readonly Scenario[] = [
  { name: 'torque +0.5 sd', feature: 'torque_nm', drift: step('torqueNm', 'torque_nm', 0.5) },
  { name: 'torque +1 sd', feature: 'torque_nm', drift: step('torqueNm', 'torque_nm', 1) },
  { name: 'torque +2 sd', feature: 'torque_nm', drift: step('torqueNm', 'torque_nm', 2) },
  { name: 'torque +0.1 sd', feature: 'torque_nm', drift: step('torqueNm', 'torque_nm', 0.1) },
  {
    name: 'torque ramp +0.01 sd/window',
    feature: 'torque_nm',
    // A slow drift: one more hundredth of a standard deviation every window.
    drift: (c) =>
      Array.from({ length: 30 }, (_, i) => ({
        feature: 'torqueNm' as const,
        kind: 'offset' as const,
        amount: 0.01 * sdOf(c.reference, 'torque_nm'),
        fromTime: c.onsetMs + i * c.windowMs,
      })),
  },
  {
    name: 'air temp +0.5 sd',
    feature: 'air_temperature_k',
    drift: step('airTemperatureK', 'air_temperature_k', 0.5),
  },
  {
    name: 'air temp +1 sd',
    feature: 'air_temperature_k',
    drift: step('airTemperatureK', 'air_temperature_k', 1),
  },
  {
    name: 'air temp +2 sd',
    feature: 'air_temperature_k',
    drift: step('airTemperatureK', 'air_temperature_k', 2),
  },
  {
    name: 'torque variance x1.56',
    feature: 'torque_nm',
    // Added noise of 0.75 sd: variance 1 + 0.75² = 1.56 times the reference, mean unchanged.
    drift: (c) => [
      {
        feature: 'torqueNm',
        kind: 'noise',
        amount: 0.75 * sdOf(c.reference, 'torque_nm'),
        fromTime: c.onsetMs,
      },
    ],
  },
  {
    name: 'torque stuck, all machines',
    feature: 'torque_nm',
    drift: (c) => [{ feature: 'torqueNm', kind: 'stuck', amount: 0, fromTime: c.onsetMs }],
  },
  {
    name: 'torque stuck, 10 machines',
    feature: 'torque_nm',
    drift: (c) => [
      {
        feature: 'torqueNm',
        kind: 'stuck',
        amount: 0,
        machines: firstMachines(Math.min(10, c.machines)),
        fromTime: c.onsetMs,
      },
    ],
  },
  {
    name: 'air temp stuck, all machines',
    feature: 'air_temperature_k',
    drift: (c) => [{ feature: 'airTemperatureK', kind: 'stuck', amount: 0, fromTime: c.onsetMs }],
  },
];

/** False alarms of one detector on the stationary stream. */
export interface StationaryResult {
  detector: Detector;
  windows: number;
  /** Alarm onsets (monitor: FeatureDriftDetected events; KS: windows with any p below its level). */
  alarms: number;
  /** Windows in which at least one per-window test breached (monitor) or alarmed (KS). */
  breachWindows: number;
  /** Windows after which the fleet scope was in DRIFT (monitor) or in alarm (KS). */
  driftWindows: number;
  /** SensorStuck events (monitor only): every one is false on a stationary fleet. */
  stuckEvents: number;
}

/** One detector on one scenario, over all replicates. */
export interface ScenarioResult {
  scenario: string;
  detector: Detector;
  replicates: number;
  detected: number;
  /** Delays in windows, 1 = the first window that holds drifted readings; of the detected replicates. */
  delays: number[];
  /** Detections whose event names the drifted feature among its first 3 features (monitor only). */
  rightFeature: number;
  /** Alarms before the onset, summed over replicates. */
  alarmsBeforeOnset: number;
  /** Runs in which the detector was already in DRIFT (monitor) when the drift started. */
  driftAtOnset: number;
  /** How the detections were made (the event's rule: m-of-n or cusum). */
  rules: Record<string, number>;
  /** SensorStuck events (monitor only), summed over replicates. */
  stuckEvents: number;
}

/** How the stationary simulator sits against reference.json, per feature (fleet windows). */
export interface FeatureDiagnostic {
  feature: string;
  /** Mean over stationary windows of (window mean - reference mean) / reference sd. */
  meanShift: number;
  /** Window-to-window sd of that shift, divided by what iid readings would give (1/sqrt(n_eff)). */
  spreadVsIid: number;
  /** Share of stationary windows in which KS rejects this feature at 0.05. */
  /** Calibrated KS scale c of the feature, and the share of stationary windows in which it alone alarms. */
  ksScale: number;
  ksRejectRate: number;
  calibration: { mean: number; psiScale: number; meanLongRun: number } | undefined;
}

export interface DriftBenchResult {
  options: DriftBenchOptions;
  ksReference: string;
  thresholds: { alphaPerTest: number; cusumH: number };
  stationary: StationaryResult[];
  scenarios: ScenarioResult[];
  diagnostics: FeatureDiagnostic[];
  calibration: DriftCalibration;
  seconds: number;
}

/** Cuts a simulator into consecutive windows, keeping both the monitor's statistics and the raw values. */
function windowStream(
  core: DriftCore,
  engineer: ReturnType<typeof modelEngineerFor>,
  sim: ReturnType<typeof createSimulator>,
  size: number,
  onReading?: (reading: SensorReading) => void,
): () => WindowSample {
  return () => {
    const readings = Array.from({ length: size }, () => sim.next().reading);
    if (onReading) for (const r of readings) onReading(r);
    return sampleOf(core, engineer, readings);
  };
}

/** The KS reference sample: the training file's engineered features (or, without it, a simulated sample). */
function ksReferenceSample(
  reference: DriftReference,
  engineer: ReturnType<typeof modelEngineerFor>,
): { label: string; sorted: Float64Array[] } {
  let readings: SensorReading[];
  let label: string;
  if (existsSync(TRAINING_CSV)) {
    readings = historyFromCsv(readFileSync(TRAINING_CSV, 'utf8')).readings;
    label = `training file (${readings.length} rows)`;
  } else {
    const sim = createSimulator({ machines: 50, seed: 999, startTime: 0, intervalMs: INTERVAL_MS });
    readings = sim.take(8000).map((x) => x.reading);
    label = 'stationary simulator sample (8000 readings; training file not found)';
  }
  return { label, sorted: referenceSample(reference, engineer, readings) };
}

/** Evaluates window `w` of a stream with one detector's core and keeps the state it leaves for the next window. */
function evaluateWindow(
  core: DriftCore,
  states: Map<string, MonitorState>,
  name: string,
  w: number,
  windowMs: number,
  sample: WindowSample,
): ReturnType<DriftCore['evaluate']> {
  const e = core.evaluate(
    {
      seq: w + 1,
      start: w * windowMs,
      end: (w + 1) * windowMs,
      state: sample.state,
      terminatedEarly: false,
    },
    states.get(name) as MonitorState,
  );
  states.set(name, e.state);
  return e;
}

/** Counts a detector's alarm in window `w`: before the onset a false one; after it, the first is a detection. */
function countAlarm(r: ScenarioResult, found: Set<Detector>, w: number, onset: number): boolean {
  if (w < onset) {
    r.alarmsBeforeOnset++;
    return false;
  }
  if (found.has(r.detector)) return false;
  found.add(r.detector);
  r.detected++;
  r.delays.push(w - onset + 1);
  return true;
}

/** Runs the whole evaluation in one process; deterministic for given options. */
export function runDriftBench(options: DriftBenchOptions = DEFAULT_DRIFT_BENCH): DriftBenchResult {
  const began = performance.now();
  const reference = loadDriftReference();
  const engineer = modelEngineerFor(reference);
  const W = options.windowRecords;
  const windowMs = (W / options.machines) * INTERVAL_MS;

  // 1. Calibration on its own stationary seed: the monitor and the baselines on the same windows.
  const uncalibrated = createDriftCore({ reference, engineer });
  const calSim = createSimulator({
    machines: options.machines,
    seed: 101,
    startTime: 0,
    intervalMs: INTERVAL_MS,
  });
  const runs = createRunCounter();
  const sensorValues = new Float64Array(SENSORS.length);
  const nextCal = windowStream(uncalibrated, engineer, calSim, W, (r) => {
    SENSORS.forEach((sensor, s) => {
      sensorValues[s] = r[sensor];
    });
    runs.add(r.deviceId, sensorValues);
  });
  const calibrationStates: WindowState[] = [];
  const ks = ksReferenceSample(reference, engineer);
  const ksCalibrated = calibratedKs(
    (function* () {
      for (let w = 0; w < options.calibrationWindows; w++) {
        const sample = nextCal();
        calibrationStates.push(sample.state);
        yield sample;
      }
    })(),
    ks.sorted,
    DEFAULT_POLICY.alpha,
  );
  const calibration = calibrate([calibrationStates], reference, {
    source: `bench: stationary simulator seed 101, ${options.machines} machines`,
    windowRecords: W,
    sensorRuns: runs.finish(),
  });
  const cores: Record<'pfm calibrated' | 'pfm iid theory', DriftCore> = {
    'pfm calibrated': createDriftCore({ reference, engineer, calibration }),
    'pfm iid theory': uncalibrated,
  };
  const baselines: Record<'KS calibrated' | 'PSI calibrated' | 'KS uncalibrated', Baseline> = {
    'KS calibrated': ksCalibrated,
    'PSI calibrated': calibratedPsi(reference, calibration, DEFAULT_POLICY.alpha),
    'KS uncalibrated': nominalKs(ks.sorted, DEFAULT_POLICY.alpha),
  };

  // 2. Stationary stream: false alarms, and how the simulator sits against the reference.
  const stationary = new Map<Detector, StationaryResult>(
    DETECTORS.map((d) => [
      d,
      {
        detector: d,
        windows: options.stationaryWindows,
        alarms: 0,
        breachWindows: 0,
        driftWindows: 0,
        stuckEvents: 0,
      },
    ]),
  );
  const states = new Map<string, MonitorState>(Object.entries(cores).map(([k, c]) => [k, c.initialState()]));
  const shifts: number[][] = reference.features.map(() => []);
  const ksRejects = reference.features.map(() => 0);
  const statSim = createSimulator({
    machines: options.machines,
    seed: 202,
    startTime: 0,
    intervalMs: INTERVAL_MS,
  });
  const nextStat = windowStream(uncalibrated, engineer, statSim, W);
  for (let w = 0; w < options.stationaryWindows; w++) {
    const sample = nextStat();
    for (const [name, core] of Object.entries(cores) as [keyof typeof cores, DriftCore][]) {
      const e = evaluateWindow(core, states, name, w, windowMs, sample);
      const r = stationary.get(name) as StationaryResult;
      r.alarms += e.events.filter((x) => x.detailType === 'FeatureDriftDetected').length;
      r.stuckEvents += e.events.filter((x) => x.detailType === 'SensorStuck').length;
      if (Object.values(e.scores).some((s) => s?.some((f) => f.breached.length > 0))) r.breachWindows++;
      if (e.state.scopes.fleet?.state === 'DRIFT') r.driftWindows++;
      if (name === 'pfm calibrated') {
        for (const f of e.scores.fleet ?? [])
          shifts[reference.features.findIndex((x) => x.name === f.feature)]?.push(f.meanShift);
      }
    }
    for (const [name, baseline] of Object.entries(baselines) as [Detector, Baseline][]) {
      if (!baseline.alarm(sample)) continue;
      const r = stationary.get(name) as StationaryResult;
      r.alarms++;
      r.breachWindows++;
      r.driftWindows++;
    }
    reference.features.forEach((_, j) => {
      if (ksCalibrated.exceeds(sample, j)) ksRejects[j] = (ksRejects[j] as number) + 1;
    });
  }
  const diagnostics: FeatureDiagnostic[] = reference.features.map((f, j) => {
    const xs = shifts[j] as number[];
    const mean = xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(xs.length - 1, 1));
    const iidSd = Math.sqrt(1 / W + 1 / f.n);
    const cal = calibration.scopes.fleet?.[f.name];
    return {
      feature: f.name,
      meanShift: mean,
      spreadVsIid: sd / iidSd,
      ksScale: ksCalibrated.scales[j] ?? Number.NaN,
      ksRejectRate: (ksRejects[j] as number) / options.stationaryWindows,
      calibration: cal ? { mean: cal.mean, psiScale: cal.psiScale, meanLongRun: cal.meanLongRun } : undefined,
    };
  });

  // 3. Drift scenarios: every detector on the same windows.
  const scenarios: ScenarioResult[] = [];
  const onset = options.windowsBeforeOnset;
  for (const scenario of SCENARIOS) {
    const results = new Map<Detector, ScenarioResult>(
      DETECTORS.map((d) => [
        d,
        {
          scenario: scenario.name,
          detector: d,
          replicates: options.replicates,
          detected: 0,
          delays: [],
          rightFeature: 0,
          alarmsBeforeOnset: 0,
          driftAtOnset: 0,
          rules: {},
          stuckEvents: 0,
        },
      ]),
    );
    for (let rep = 0; rep < options.replicates; rep++) {
      const drift = scenario.drift({
        reference,
        machines: options.machines,
        onsetMs: onset * windowMs,
        windowMs,
      });
      const sim = createSimulator({
        machines: options.machines,
        seed: 1000 + rep,
        startTime: 0,
        intervalMs: INTERVAL_MS,
        drift,
      });
      const next = windowStream(uncalibrated, engineer, sim, W);
      const repStates = new Map<string, MonitorState>(
        Object.entries(cores).map(([k, c]) => [k, c.initialState()]),
      );
      const found = new Set<Detector>();
      for (let w = 0; w < onset + options.windowsAfterOnset; w++) {
        const sample = next();
        for (const [name, core] of Object.entries(cores) as [keyof typeof cores, DriftCore][]) {
          if (w === onset && repStates.get(name)?.scopes.fleet?.state === 'DRIFT')
            (results.get(name) as ScenarioResult).driftAtOnset++;
          const e = evaluateWindow(core, repStates, name, w, windowMs, sample);
          const r = results.get(name) as ScenarioResult;
          r.stuckEvents += e.events.filter((x) => x.detailType === 'SensorStuck').length;
          const detection = e.events.find((x) => x.detailType === 'FeatureDriftDetected');
          if (!detection) continue;
          if (countAlarm(r, found, w, onset)) {
            const rule = detection.detail.decision.rule;
            r.rules[rule] = (r.rules[rule] ?? 0) + 1;
            if (detection.detail.topFeatures.slice(0, 3).some((f) => f.feature === scenario.feature))
              r.rightFeature++;
          }
        }
        for (const [name, baseline] of Object.entries(baselines) as [Detector, Baseline][]) {
          if (!baseline.alarm(sample)) continue;
          countAlarm(results.get(name) as ScenarioResult, found, w, onset);
        }
      }
    }
    scenarios.push(...results.values());
  }

  return {
    options,
    ksReference: ks.label,
    thresholds: cores['pfm calibrated'].thresholds,
    stationary: [...stationary.values()],
    scenarios,
    diagnostics,
    calibration,
    seconds: (performance.now() - began) / 1000,
  };
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Renders the evaluation as the tables of the report. */
export function renderDriftBench(r: DriftBenchResult): string {
  const o = r.options;
  const per1000 = (alarms: number, windows: number): string => ((alarms / windows) * 1000).toFixed(1);
  const out: string[] = [];
  out.push(
    `drift evaluation: ${o.machines} simulated machines, windows of ${o.windowRecords.toLocaleString('en-US')} readings; ` +
      `monitor calibrated on ${o.calibrationWindows} stationary windows of another seed; KS reference: ${r.ksReference}; ` +
      `alpha/test ${r.thresholds.alphaPerTest.toExponential(2)}, CUSUM h ${r.thresholds.cusumH.toFixed(2)}`,
  );
  out.push(
    '',
    `False alarms on ${o.stationaryWindows} stationary windows (monitor: FeatureDriftDetected events, any scope; ` +
      'breach: a per-window test or CUSUM fired, i.e. WARN; baselines: a window with any feature over its ' +
      `critical value; every detector has the budget alpha = ${DEFAULT_POLICY.alpha} per window, the baselines ` +
      "calibrated on the monitor's calibration windows)",
  );
  out.push(
    renderTable(
      [
        'detector',
        'alarms per 1,000 windows',
        'windows with a breach per 1,000',
        'windows in DRIFT / alarm per 1,000',
      ],
      r.stationary.map((s) => [
        s.detector,
        per1000(s.alarms, s.windows),
        per1000(s.breachWindows, s.windows),
        per1000(s.driftWindows, s.windows),
      ]),
    ),
  );
  const pfmStationary = r.stationary.find((x) => x.detector === 'pfm calibrated');
  out.push(
    `Stuck-sensor events on the stationary stream (${o.machines} machines x ${o.stationaryWindows} windows): ` +
      `${pfmStationary?.stuckEvents ?? '-'}; thresholds (identical readings in a row): ${Object.entries(
        r.calibration.sensors,
      )
        .map(([sensor, c]) => `${sensor} ${c?.runThreshold}`)
        .join(', ')}`,
  );
  out.push(
    '',
    `Detection: drift from window ${o.windowsBeforeOnset + 1}, watched for ${o.windowsAfterOnset} windows, ${o.replicates} seeds each. ` +
      'Delay in windows, 1 = the first window holding drifted readings.',
  );
  const cell = (scenario: string, d: Detector): ScenarioResult | undefined =>
    r.scenarios.find((x) => x.scenario === scenario && x.detector === d);
  const detected = (s: ScenarioResult | undefined): string => (s ? `${s.detected}/${s.replicates}` : '-');
  const delay = (s: ScenarioResult | undefined): string =>
    s && s.delays.length > 0 ? `${median(s.delays)} (max ${Math.max(...s.delays)})` : '-';
  out.push(
    renderTable(
      [
        'scenario',
        'pfm detected',
        'pfm delay',
        'feature in top 3',
        'rule',
        'stuck events',
        'KS cal. detected',
        'KS cal. delay',
        'PSI cal. detected',
        'PSI cal. delay',
      ],
      SCENARIOS.map((scenario) => {
        const pfm = cell(scenario.name, 'pfm calibrated');
        const ks = cell(scenario.name, 'KS calibrated');
        const psi = cell(scenario.name, 'PSI calibrated');
        return [
          scenario.name,
          detected(pfm),
          delay(pfm),
          pfm && pfm.detected > 0 ? `${pfm.rightFeature}/${pfm.detected}` : '-',
          pfm
            ? Object.entries(pfm.rules)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ') || '-'
            : '-',
          pfm ? pfm.stuckEvents : '-',
          detected(ks),
          delay(ks),
          detected(psi),
          delay(psi),
        ];
      }),
    ),
  );
  const before = (d: Detector): string => {
    const rows = r.scenarios.filter((x) => x.detector === d);
    const alarms = rows.reduce((a, x) => a + x.alarmsBeforeOnset, 0);
    const windows = rows.reduce((a, x) => a + x.replicates, 0) * o.windowsBeforeOnset;
    return `${d}: ${alarms} in ${windows}`;
  };
  const iid = r.scenarios.filter((x) => x.detector === 'pfm iid theory');
  out.push(
    '',
    `Alarms before the onset (same runs): ${DETECTORS.map(before).join('; ')}. ` +
      `The iid-theory monitor was already in DRIFT when the drift started in ${iid.reduce((a, x) => a + x.driftAtOnset, 0)} of ${iid.reduce((a, x) => a + x.replicates, 0)} runs, so it has no detections to show.`,
  );
  out.push('', 'The stationary simulator against reference.json (fleet windows)');
  out.push(
    renderTable(
      [
        'feature',
        'mean shift (sd)',
        'window spread / iid',
        'calibrated mean factor',
        'PSI scale',
        'long-run factor',
        'KS scale',
        'KS cal. rejects',
      ],
      r.diagnostics.map((d) => [
        d.feature,
        d.meanShift.toFixed(3),
        d.spreadVsIid.toFixed(2),
        d.calibration ? d.calibration.mean.toFixed(1) : '-',
        d.calibration ? d.calibration.psiScale.toFixed(1) : '-',
        d.calibration ? d.calibration.meanLongRun.toFixed(0) : '-',
        d.ksScale.toFixed(1),
        `${(d.ksRejectRate * 100).toFixed(1)}%`,
      ]),
    ),
  );
  out.push('', `measured in ${r.seconds.toFixed(1)} s`);
  return out.join('\n');
}

/**
 * The drift evaluation of the report: the monitor on the training file in its own order (real data, when the
 * file is there), then on the simulated fleet, each beside KS and PSI calibrated on the same windows.
 */
export async function benchDrift(): Promise<void> {
  if (existsSync(TRAINING_CSV)) {
    const history = runHistoryBench({ ...DEFAULT_HISTORY_BENCH, file: TRAINING_CSV }, (line) =>
      console.error(line),
    );
    console.log(renderHistoryBench(history));
    console.log('');
  } else console.log(`drift on real data: skipped (${TRAINING_CSV} not found)\n`);
  console.log(renderDriftBench(runDriftBench()));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchDrift();
}
