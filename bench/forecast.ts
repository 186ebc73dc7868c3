import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { renderTable } from '../app/cli/format.js';
import { loadModelArtifacts } from '../model/artifacts.js';
import { decide } from '../model/decision.js';
import { buildFeatureMatrix } from '../model/featureMatrix.js';
import { OnnxScorer } from '../model/OnnxScorer.js';
import type { ModelArtifacts } from '../model/types.js';
import { DEFAULT_FORECAST_SETTINGS } from '../processors/forecast/constants.js';
import { createForecastCore, type ForecastCore } from '../processors/forecast/core.js';
import { type DueMemory, nextDueState } from '../processors/forecast/dueState.js';
import { loadCalibration } from '../processors/forecast/loadCalibration.js';
import type {
  ForecastSettings,
  MachineForecast,
  MachineHistory,
  TimedReading,
} from '../processors/forecast/types.js';
import { createSimulator } from '../stream/simulator/Simulator.js';
import type { GroundTruth } from '../stream/simulator/types.js';
import {
  brier,
  calibrationTable,
  type FailureEvent,
  type ProbabilityOutcomes,
  scoreWarnings,
  type WarningScore,
  type WarningTrack,
} from './forecastMetrics.js';
import { renderForecastPlot } from './forecastPlot.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const MODES = ['TWF', 'HDF', 'PWF', 'OSF', 'RNF'] as const;
const PLOT_PATH = fileURLToPath(new URL('../docs/forecast-evaluation.svg', import.meta.url));

/** Knobs of the evaluation (the report's figures use the defaults). */
export interface ForecastBenchOptions {
  seeds: readonly number[];
  /** Machines per seed, spread evenly over the reading paces. */
  machines: number;
  /** Reading paces of the sub-fleets (ms between two readings of one machine). */
  pacesMs: readonly number[];
  /** History before the first forecast, the span forecasts are made over, and how often. */
  burnInMs: number;
  evaluationMs: number;
  refreshMs: number;
  /** History a forecast reads per machine. */
  historyMs: number;
  /** Machines of the speed measurement. */
  speedMachines: number;
}

export const DEFAULT_FORECAST_BENCH: ForecastBenchOptions = {
  seeds: [101, 202, 303],
  machines: 48,
  pacesMs: [2 * MINUTE_MS, 3 * MINUTE_MS, 4 * MINUTE_MS, 5 * MINUTE_MS],
  burnInMs: 24 * HOUR_MS,
  evaluationMs: 24 * HOUR_MS,
  refreshMs: 15 * MINUTE_MS,
  historyMs: 24 * HOUR_MS,
  speedMachines: 200,
};

/** One simulated machine: what the forecaster may read, and the truth it never sees. */
interface SimMachine {
  deviceId: string;
  readings: TimedReading[];
  truth: GroundTruth[];
}

/** A simulated fleet of machines reading at different paces (one simulator per pace; ids made unique). */
export function simulateFleet(
  seed: number,
  machines: number,
  pacesMs: readonly number[],
  spanMs: number,
): SimMachine[] {
  const fleet: SimMachine[] = [];
  pacesMs.forEach((paceMs, j) => {
    const count = Math.floor(machines / pacesMs.length) + (j < machines % pacesMs.length ? 1 : 0);
    if (count === 0) return;
    const sim = createSimulator({ machines: count, seed: seed * 16 + j, startTime: 0, intervalMs: paceMs });
    const perMachine = Math.ceil(spanMs / paceMs) + 1;
    const byId = new Map<string, SimMachine>();
    for (const { reading, truth } of sim.take(count * perMachine)) {
      const id = `${String.fromCharCode(65 + j)}${reading.deviceId}`;
      let m = byId.get(id);
      if (!m) {
        m = { deviceId: id, readings: [], truth: [] };
        byId.set(id, m);
      }
      const {
        deviceId: _d,
        sequenceNumber: _s,
        firmware: _f,
        timestamp,
        vibrationRmsMmS: _v,
        ...values
      } = reading;
      m.readings.push({ time: timestamp, ...values });
      m.truth.push(truth);
    }
    fleet.push(...byId.values());
  });
  return fleet;
}

/** Index of the last element of ascending `times` that is <= t (-1 if none). */
function lastAtOrBefore(times: readonly number[] | Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) <= t) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return at;
}

/** What one forecast said about one machine at one refresh. */
interface ForecastRecord {
  machine: number;
  refresh: number;
  asOf: number;
  forecastable: number[];
  any: number[];
  byMode: Record<string, number[]>;
  leadingMode: string | null;
  notice: number;
  toolWearMin: number;
}

interface SeedResult {
  failures: FailureEvent[];
  tracks: { forecast: WarningTrack[]; alarm: WarningTrack[]; fixed: WarningTrack[] };
  fixedWear: number;
  records: ForecastRecord[];
  outcomes: (machine: number, from: number, to: number, mode: string | null) => boolean;
  forecastMs: number;
  refreshes: number;
  machines: SimMachine[];
  evalFrom: number;
  evalTo: number;
  fixedSweep: { wear: number; tracks: WarningTrack[] }[];
}

async function evaluateSeed(
  seed: number,
  o: ForecastBenchOptions,
  core: ForecastCore,
  settings: ForecastSettings,
  artifacts: ModelArtifacts,
  scorer: OnnxScorer,
): Promise<SeedResult> {
  const evalFrom = o.burnInMs;
  const evalTo = o.burnInMs + o.evaluationMs;
  const machines = simulateFleet(seed, o.machines, o.pacesMs, evalTo + settings.horizonMs);
  const times = machines.map((m) => Float64Array.from(m.readings, (r) => r.time));

  // Ground truth, kept apart: the forecaster only ever gets `readings`.
  const failures: FailureEvent[] = [];
  machines.forEach((m, machine) => {
    m.truth.forEach((t, j) => {
      if (!t.failure) return;
      failures.push({
        machine,
        time: (m.readings[j] as TimedReading).time,
        modes: MODES.filter((mode) => t[mode]),
      });
    });
  });
  const outcomes = (machine: number, from: number, to: number, mode: string | null): boolean => {
    const m = machines[machine] as SimMachine;
    const t = times[machine] as Float64Array;
    for (let j = lastAtOrBefore(t, from) + 1; j < t.length && (t[j] as number) <= to; j++) {
      const truth = m.truth[j] as GroundTruth;
      if (mode === null ? truth.failure : truth[mode as (typeof MODES)[number]]) return true;
    }
    return false;
  };
  const forecastableOutcome = (
    machine: number,
    from: number,
    to: number,
    modes: readonly string[],
  ): boolean => modes.some((mode) => outcomes(machine, from, to, mode));

  // (a) the current-risk alarm: today's per-reading decision, on every reading.
  const alarm: WarningTrack[] = [];
  for (const m of machines) {
    const x = buildFeatureMatrix(m.readings, artifacts.scaler);
    const probs = await scorer.score(x, m.readings.length);
    const track: WarningTrack = { times: [], on: [], modes: [] };
    m.readings.forEach((r, j) => {
      const d = decide(probs, j, artifacts);
      track.times.push(r.time);
      track.on.push(d.failure);
      track.modes.push(d.predictedModes);
    });
    alarm.push(track);
  }

  // (b) replace at a fixed wear: the wear the fleet's burn-in shows its earliest replacements at (10th
  // percentile of the wear before a reset), learned from readings alone; and a sweep for the plot.
  const seen: number[] = [];
  for (const m of machines) {
    for (let j = 1; j < m.readings.length; j++) {
      const prev = m.readings[j - 1] as TimedReading;
      const cur = m.readings[j] as TimedReading;
      if (cur.time < evalFrom && cur.toolWearMin < prev.toolWearMin / 2) seen.push(prev.toolWearMin);
    }
  }
  seen.sort((a, b) => a - b);
  const fixedWear = seen[Math.floor(seen.length * 0.1)] ?? 200;
  const fixedTracks = (wear: number): WarningTrack[] =>
    machines.map((m) => ({
      times: m.readings.map((r) => r.time),
      on: m.readings.map((r) => r.toolWearMin >= wear),
      modes: m.readings.map(() => ['TWF', 'OSF']),
    }));
  const fixedSweep = [120, 140, 160, 180, 190, 200, 210, 220].map((wear) => ({
    wear,
    tracks: fixedTracks(wear),
  }));

  // The forecaster, refreshed every refreshMs over the evaluation span, on history it is allowed to see.
  const records: ForecastRecord[] = [];
  const refreshes = Math.floor(o.evaluationMs / o.refreshMs);
  const started = performance.now();
  for (let k = 0; k <= refreshes; k++) {
    const t = evalFrom + k * o.refreshMs;
    const histories: MachineHistory[] = machines.map((m, machine) => {
      const ts = times[machine] as Float64Array;
      const end = lastAtOrBefore(ts, t) + 1;
      const start = lastAtOrBefore(ts, t - o.historyMs) + 1;
      return { deviceId: m.deviceId, readings: m.readings.slice(start, end) };
    });
    const fleet = await core.forecast(histories);
    for (const f of fleet.machines) {
      if (f.status !== 'ok') continue;
      const machine = machines.findIndex((m) => m.deviceId === f.deviceId);
      records.push(recordOf(f, machine, t));
    }
    if (k % Math.ceil(refreshes / 4) === 0 || k === refreshes) {
      const s = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `  seed ${seed}: forecast ${k + 1}/${refreshes + 1} of ${machines.length} machines (${s} s)`,
      );
    }
  }
  const forecastMs = performance.now() - started;

  const forecast = forecastTracks(records, machines.length, settings, settings.dueLevel);
  return {
    failures,
    tracks: { forecast, alarm, fixed: fixedTracks(fixedWear) },
    fixedWear,
    records,
    outcomes: (machine, from, to, mode) =>
      mode === 'forecastable'
        ? forecastableOutcome(machine, from, to, ['TWF', 'HDF', 'OSF'])
        : outcomes(machine, from, to, mode),
    forecastMs,
    refreshes: refreshes + 1,
    machines,
    evalFrom,
    evalTo,
    fixedSweep,
  };
}

function recordOf(f: MachineForecast, machine: number, refresh: number): ForecastRecord {
  const byMode: Record<string, number[]> = {};
  for (const mode of MODES) byMode[mode] = f.horizons.map((h) => h.byMode[mode] ?? Number.NaN);
  return {
    machine,
    refresh,
    asOf: f.asOf,
    forecastable: f.horizons.map((h) => h.forecastable),
    any: f.horizons.map((h) => h.any),
    byMode,
    leadingMode: f.leadingMode,
    notice: f.noticeProbability,
    toolWearMin: f.learned.toolWearMin,
  };
}

/**
 * The forecaster's warning per machine: the product's own due rule (processors/forecast/dueState.ts) over
 * the probability within the notice window, at `level` with the release level in the same proportion as the
 * shipped settings.
 */
function forecastTracks(
  records: readonly ForecastRecord[],
  machines: number,
  settings: ForecastSettings,
  level: number,
): WarningTrack[] {
  const rule = { level, releaseLevel: (level * settings.releaseLevel) / settings.dueLevel };
  const tracks: WarningTrack[] = Array.from({ length: machines }, () => ({ times: [], on: [], modes: [] }));
  const memory: (DueMemory | undefined)[] = new Array(machines);
  for (const r of records) {
    const track = tracks[r.machine] as WarningTrack;
    const next = nextDueState(memory[r.machine], r.notice, r.toolWearMin, rule);
    memory[r.machine] = next.memory;
    track.times.push(r.refresh);
    track.on.push(next.memory.due);
    track.modes.push(r.leadingMode === null ? [] : [r.leadingMode]);
  }
  return tracks;
}

/** Sums warning scores over seeds. */
function addScores(into: WarningScore, s: WarningScore): void {
  into.failures += s.failures;
  into.caught += s.caught;
  into.caught30m += s.caught30m;
  into.caught1h += s.caught1h;
  into.caught2h += s.caught2h;
  into.episodes += s.episodes;
  into.falseEpisodes += s.falseEpisodes;
}

const pct = (a: number, b: number): string => (b > 0 ? `${((100 * a) / b).toFixed(0)} %` : '-');

/** `npm run bench -- forecast`: the forecast against the current-risk alarm and a fixed-wear rule, then its speed. */
export async function benchForecast(o: ForecastBenchOptions = DEFAULT_FORECAST_BENCH): Promise<void> {
  const artifacts = await loadModelArtifacts();
  const scorer = await OnnxScorer.create(artifacts);
  const calibration = await loadCalibration();
  const settings: ForecastSettings = { ...DEFAULT_FORECAST_SETTINGS, actions: false };
  const core = createForecastCore({ scorer, model: artifacts, calibration, settings, now: () => 0 });
  const load = loadavg()[0]?.toFixed(1);
  console.log(
    `forecast bench: model ${artifacts.modelName} ${artifacts.modelVersion}; ${o.seeds.length} seeds x ${o.machines} machines ` +
      `(reading every ${o.pacesMs.map((p) => p / MINUTE_MS).join('/')} min), ${o.burnInMs / HOUR_MS} h history, ` +
      `forecasts every ${o.refreshMs / MINUTE_MS} min over ${o.evaluationMs / HOUR_MS} h; ${cpus().length} cores, load ${load}`,
  );
  try {
    const results: SeedResult[] = [];
    for (const seed of o.seeds) results.push(await evaluateSeed(seed, o, core, settings, artifacts, scorer));
    reportEvaluation(results, o, settings);
    await reportSpeed(o, settings, artifacts, scorer, calibration);
  } finally {
    await scorer.release();
  }
}

function reportEvaluation(
  results: readonly SeedResult[],
  o: ForecastBenchOptions,
  settings: ForecastSettings,
): void {
  const methods = ['forecast', 'alarm', 'fixed'] as const;
  const names = {
    forecast: `forecast (due: p(${settings.noticeMs / HOUR_MS} h) >= ${settings.dueLevel}, until < ${settings.releaseLevel})`,
    alarm: 'current-risk alarm (per-reading decision)',
    fixed: 'fixed rule (wear >= burn-in 10th pct of replacement wear)',
  };
  const zero = (): WarningScore => ({
    failures: 0,
    caught: 0,
    caught30m: 0,
    caught1h: 0,
    caught2h: 0,
    episodes: 0,
    falseEpisodes: 0,
  });
  const totals = Object.fromEntries(
    methods.map((m) => [
      m,
      { overall: zero(), byMode: Object.fromEntries(MODES.map((mode) => [mode, zero()])) },
    ]),
  ) as Record<(typeof methods)[number], { overall: WarningScore; byMode: Record<string, WarningScore> }>;
  for (const r of results) {
    for (const method of methods) {
      const s = scoreWarnings({
        tracks: r.tracks[method],
        failures: r.failures,
        from: r.evalFrom + 2 * HOUR_MS,
        to: r.evalTo,
        windowMs: settings.noticeMs,
        modes: MODES,
      });
      addScores(totals[method].overall, s.overall);
      for (const mode of MODES)
        addScores(totals[method].byMode[mode] as WarningScore, s.byMode[mode] as WarningScore);
    }
  }
  console.log(
    `\nWarnings (failures from ${2} h into the evaluation span on; a warning is false when no failure follows within ` +
      `${settings.noticeMs / HOUR_MS} h of its start). Fixed-rule wear per seed: ${results.map((r) => r.fixedWear).join(', ')} min`,
  );
  const rows: (string | number)[][] = [];
  for (const scope of ['all', ...MODES]) {
    for (const method of methods) {
      const s = scope === 'all' ? totals[method].overall : (totals[method].byMode[scope] as WarningScore);
      rows.push([
        scope,
        names[method],
        s.failures,
        pct(s.caught, s.failures),
        pct(s.caught30m, s.failures),
        pct(s.caught1h, s.failures),
        pct(s.caught2h, s.failures),
        s.episodes,
        pct(s.falseEpisodes, s.episodes),
      ]);
    }
  }
  console.log(
    renderTable(
      ['mode', 'method', 'failures', 'warned', 'lead>=30m', 'lead>=1h', 'lead>=2h', 'warnings', 'false'],
      rows,
    ),
  );

  // Probabilities against outcomes, pooled over seeds.
  const horizons = settings.reportHorizonsMs;
  const collect = (pick: (r: ForecastRecord, h: number) => number, mode: string | null, h: number) => {
    const po: ProbabilityOutcomes = { predicted: [], observed: [] };
    for (const res of results) {
      for (const rec of res.records) {
        po.predicted.push(pick(rec, h));
        po.observed.push(res.outcomes(rec.machine, rec.asOf, rec.asOf + (horizons[h] as number), mode));
      }
    }
    return po;
  };
  const brierRows: (string | number)[][] = [];
  const targets: { name: string; mode: string | null; pick: (r: ForecastRecord, h: number) => number }[] = [
    { name: 'forecastable (TWF|HDF|OSF)', mode: 'forecastable', pick: (r, h) => r.forecastable[h] as number },
    { name: 'any mode', mode: null, pick: (r, h) => r.any[h] as number },
    ...MODES.map((mode) => ({
      name: mode,
      mode,
      pick: (r: ForecastRecord, h: number) => r.byMode[mode]?.[h] as number,
    })),
  ];
  const tables: { name: string; horizon: number; table: ReturnType<typeof calibrationTable> }[] = [];
  for (const target of targets) {
    const cells: string[] = [];
    for (let h = 0; h < horizons.length; h++) {
      const po = collect(target.pick, target.mode, h);
      const b = brier(po);
      cells.push(`${b.brier.toFixed(3)} (${(1 - b.brier / b.reference).toFixed(2)})`);
      if (target.mode === 'forecastable' || (target.mode !== null && horizons[h] === 2 * HOUR_MS)) {
        tables.push({ name: target.name, horizon: horizons[h] as number, table: calibrationTable(po) });
      }
    }
    brierRows.push([target.name, ...cells]);
  }
  console.log(
    `\nBrier score of the horizon probabilities (skill against the evaluation's own base rate in brackets; ` +
      `${results.reduce((n, r) => n + r.records.length, 0).toLocaleString('en-US')} machine-forecasts)`,
  );
  console.log(renderTable(['event', ...horizons.map((h) => `within ${h / MINUTE_MS} min`)], brierRows));
  console.log('\nCalibration (forecast probability bins: mean forecast -> observed frequency, n)');
  const calRows = tables.map((t) => [
    t.name,
    `${t.horizon / MINUTE_MS} min`,
    t.table
      .filter((b) => b.n > 0)
      .map((b) => `${b.meanPredicted.toFixed(2)}->${b.observed.toFixed(2)} (${b.n})`)
      .join('  '),
  ]);
  console.log(renderTable(['event', 'horizon', 'bins'], calRows));

  // Operating curves for the picture: warned 30 min ahead against false warnings, over the warning level / wear.
  const sweep = (tracksOf: (r: SeedResult) => WarningTrack[]) => {
    const total = zero();
    for (const r of results) {
      const s = scoreWarnings({
        tracks: tracksOf(r),
        failures: r.failures.filter((f) => f.modes.some((m) => m === 'TWF' || m === 'OSF' || m === 'HDF')),
        from: r.evalFrom + 2 * HOUR_MS,
        to: r.evalTo,
        windowMs: settings.noticeMs,
        modes: MODES,
      });
      addScores(total, s.overall);
    }
    return {
      recall30m: total.caught30m / total.failures,
      falseRate: total.falseEpisodes / Math.max(1, total.episodes),
    };
  };
  const levels = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
  const curves = {
    forecast: levels.map((level) => ({
      label: `${level}`,
      ...sweep((r) => forecastTracks(r.records, r.machines.length, settings, level)),
    })),
    fixed: (results[0]?.fixedSweep ?? []).map((f, i) => ({
      label: `${f.wear}`,
      ...sweep((r) => (r.fixedSweep[i] as { tracks: WarningTrack[] }).tracks),
    })),
    alarm: [{ label: 'alarm', ...sweep((r) => r.tracks.alarm) }],
  };
  console.log(
    '\nForecastable failures (TWF|HDF|OSF) warned >= 30 min ahead vs false warnings, over the warning level / fixed wear:',
  );
  console.log(
    renderTable(
      ['method', 'setting', 'lead>=30m', 'false'],
      [
        ...curves.forecast.map((c) => [
          'forecast',
          `p >= ${c.label}`,
          pct(c.recall30m, 1),
          pct(c.falseRate, 1),
        ]),
        ...curves.fixed.map((c) => [
          'fixed rule',
          `wear >= ${c.label}`,
          pct(c.recall30m, 1),
          pct(c.falseRate, 1),
        ]),
        ...curves.alarm.map((c) => ['alarm', '-', pct(c.recall30m, 1), pct(c.falseRate, 1)]),
      ],
    ),
  );
  const reliability = tables
    .filter((t) => t.name.startsWith('forecastable'))
    .map((t) => ({ label: `within ${t.horizon / HOUR_MS} h`, bins: t.table }));
  writeFileSync(
    PLOT_PATH,
    renderForecastPlot({ reliability, curves, windowHours: settings.noticeMs / HOUR_MS }),
  );
  console.log(`\nplot: docs/forecast-evaluation.svg`);
  const refreshes = results.reduce((n, r) => n + r.refreshes, 0);
  const ms = results.reduce((n, r) => n + r.forecastMs, 0);
  console.log(
    `evaluation forecasts: ${refreshes} fleet refreshes of ${o.machines} machines in ${(ms / 1000).toFixed(1)} s`,
  );
}

async function reportSpeed(
  o: ForecastBenchOptions,
  base: ForecastSettings,
  artifacts: ModelArtifacts,
  scorer: OnnxScorer,
  calibration: Awaited<ReturnType<typeof loadCalibration>>,
): Promise<void> {
  const fleet = simulateFleet(7, o.speedMachines, o.pacesMs, o.historyMs);
  const histories: MachineHistory[] = fleet.map((m) => ({ deviceId: m.deviceId, readings: m.readings }));
  const steps = base.horizonMs / base.stepMs;
  const futures = base.paths * base.drawsPerPath;
  console.log(
    `\nSpeed: ${o.speedMachines} machines x ${futures} futures x ${steps} steps (${base.stepMs / MINUTE_MS}-min steps over ` +
      `${base.horizonMs / HOUR_MS} h) = ${(o.speedMachines * futures * steps).toLocaleString('en-US')} projected readings per scenario`,
  );
  const rows: (string | number)[][] = [];
  const time = async (label: string, fn: () => Promise<number>, repeats = 3): Promise<number> => {
    await fn();
    let best = Number.POSITIVE_INFINITY;
    let bestCpu = 0;
    let n = 0;
    for (let r = 0; r < repeats; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      n = await fn();
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (ms < best) {
        best = ms;
        bestCpu = (c.user + c.system) / 1000;
      }
    }
    const rate = (n / best) * 1000;
    rows.push([
      label,
      n,
      `${(best / 1000).toFixed(2)} s`,
      `${(bestCpu / 1000).toFixed(2)} s`,
      `${(rate / 1e6).toFixed(2)} M/s`,
    ]);
    return rate;
  };
  const forecastOnly = createForecastCore({
    scorer,
    model: artifacts,
    calibration,
    settings: base,
    now: () => 0,
  });
  const withActions = createForecastCore({
    scorer,
    model: artifacts,
    calibration,
    settings: { ...base, actions: true },
    now: () => 0,
  });
  const forecastRate = await time(
    'forecast, no actions (projection + features + scoring + outlook)',
    async () => {
      const f = await forecastOnly.forecast(histories);
      return f.rowsScored;
    },
  );
  await time(
    'forecast with both actions (3 scenarios)',
    async () => (await withActions.forecast(histories)).rowsScored,
    2,
  );

  // The scorer alone on the same number of rows, in runs of the forecaster's chunk size and of 10,000 rows.
  const blockRows = base.paths * steps * base.drawsPerPath;
  const chunk = Math.max(1, Math.floor(base.chunkRows / blockRows)) * blockRows;
  const total = o.speedMachines * blockRows;
  const sample = fleet.flatMap((m) => m.readings).slice(0, chunk);
  while (sample.length < chunk) sample.push(...sample.slice(0, chunk - sample.length));
  const x = buildFeatureMatrix(sample, artifacts.scaler);
  const scorerRate = await time(`scorer alone, runs of ${chunk.toLocaleString('en-US')} rows`, async () => {
    let done = 0;
    while (done < total) {
      await scorer.score(x, chunk);
      done += chunk;
    }
    return done;
  });
  const x10k = x.subarray(0, 10_000 * artifacts.features.length);
  await time('scorer alone, runs of 10,000 rows', async () => {
    let done = 0;
    while (done < total) {
      await scorer.score(x10k, 10_000);
      done += 10_000;
    }
    return done;
  });
  // One session.run over the whole fleet's rows, as the issue first imagined it.
  const whole = new Float32Array(total * artifacts.features.length);
  for (let i = 0; i < total; i += chunk)
    whole.set(
      x.subarray(0, Math.min(chunk, total - i) * artifacts.features.length),
      i * artifacts.features.length,
    );
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  await scorer.score(whole, total);
  const oneRunMs = performance.now() - t0;
  const rssGrowth = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  rows.push([
    `scorer alone, ONE run of all ${total.toLocaleString('en-US')} rows`,
    total,
    `${(oneRunMs / 1000).toFixed(2)} s`,
    '-',
    `${(total / oneRunMs / 1000).toFixed(2)} M/s (rss +${rssGrowth.toFixed(0)} MB)`,
  ]);
  console.log(renderTable(['what', 'rows', 'wall (best)', 'cpu', 'rows/s'], rows));
  // The ratio the target is about, measured robustly: a shared 2-core machine speeds up and slows down over
  // seconds, so a best-of-three taken one after the other can flatter either side. Here the two alternate, round
  // after round, and each keeps its best.
  let bestForecast = Number.POSITIVE_INFINITY;
  let bestScorer = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 8; round++) {
    let t = performance.now();
    await forecastOnly.forecast(histories);
    bestForecast = Math.min(bestForecast, performance.now() - t);
    t = performance.now();
    for (let done = 0; done < total; done += chunk) await scorer.score(x, chunk);
    bestScorer = Math.min(bestScorer, performance.now() - t);
  }
  console.log(
    `interleaved, 8 rounds, best of each: forecast ${bestForecast.toFixed(0)} ms, scorer alone ${bestScorer.toFixed(0)} ms ` +
      `for the same rows: ${(bestScorer / bestForecast).toFixed(2)} of the scorer's batched rate`,
  );
  console.log(
    `forecast vs scorer (table above): ${(forecastRate / scorerRate).toFixed(2)} of the scorer's batched rate (target >= 0.5); ` +
      `resolution: due times interpolated within ${base.stepMs / MINUTE_MS}-min steps, ` +
      `${o.pacesMs.map((p) => (base.stepMs / p).toFixed(1)).join('/')} processes per step at the fleet's reading paces`,
  );
}
