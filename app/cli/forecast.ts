import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PfmError } from '../../kernel/errors.js';
import { loadModelArtifacts } from '../../model/artifacts.js';
import { OnnxScorer } from '../../model/OnnxScorer.js';
import { DEFAULT_FORECAST_SETTINGS } from '../../processors/forecast/constants.js';
import { DuckDbHistorySource } from '../../processors/forecast/DuckDbHistorySource.js';
import { createForecaster } from '../../processors/forecast/forecaster.js';
import type {
  FleetForecast,
  ForecastSettings,
  MachineForecast,
  MachineWithoutForecast,
} from '../../processors/forecast/types.js';
import { calibrateFromCsv } from '../forecast/calibrateFromCsv.js';
import { openRunStore, resolveRunDir } from './dataDir.js';
import { renderTable } from './format.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const D = DEFAULT_FORECAST_SETTINGS;
const SHIPPED_CALIBRATION = fileURLToPath(
  new URL('../../processors/forecast/calibration.json', import.meta.url),
);

const HELP = `pfm forecast — when each machine will likely fail, by which mode, and what to do first

Usage: pfm forecast [options]
       pfm forecast calibrate --csv FILE [--out FILE] [--artifacts DIR]

Reads each machine's own recent readings from the store a run filled (its last 24 h, at most 2,000 readings)
and learns its pace, wear rate, tool replacements, torque/speed and temperature wander from them; projects
${D.horizonMs / HOUR} h of operation (${D.paths * D.drawsPerPath} futures per machine in ${D.stepMs / MINUTE}-min steps), scores every projected reading with
the model, and prints the machines ranked by due time: when the probability of a forecastable failure
(modes whose risk persists: tool wear, heat dissipation, overstrain) reaches the due level, the mode
behind it, and the action that puts the failure furthest off (replace the tool now, or lower the load)
with the probability after it. Power and random failures strike at a steady rate whatever the readings:
reported (--json) but never the reason a machine is due.

Options:
  --data DIR          the data directory (its latest run) or one run's folder (default ./pfm-data or PFM_DATA_DIR)
  --json              the whole forecast as one JSON object (every machine, horizon, mode and risk curve)
  --limit N           machines in the table (default 20)
  --horizon H         hours ahead (default ${D.horizonMs / HOUR})
  --step M            minutes per projection step (default ${D.stepMs / MINUTE})
  --level P           cumulative probability at which maintenance is due (default ${D.dueLevel})
  --notice H          hours: "due soon" when the level is reached within this (default ${D.noticeMs / HOUR})
  --no-actions        skip the "replace the tool" / "lower the load" re-runs (a third of the work)
  --artifacts DIR     model artifacts (default model/artifacts)
  --calibration FILE  forecast calibration (default: the shipped processors/forecast/calibration.json)

"pfm forecast calibrate" fits the calibration for the current model on a labelled CSV in the AI4I layout
(the model's training file, rows in time order): each class's odds correction, and which modes are
forecastable. Run it after a new model.onnx; it writes processors/forecast/calibration.json unless --out.

Exit status: 0 forecast printed, 1 usage or I/O error (the message says which).`;

/** `pfm forecast`: the fleet's forecast from the local store, ranked by due time (or as JSON). */
export async function forecastCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'calibrate') return calibrateCommand(argv.slice(1));
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      json: { type: 'boolean', default: false },
      limit: { type: 'string', default: '20' },
      horizon: { type: 'string' },
      step: { type: 'string' },
      level: { type: 'string' },
      notice: { type: 'string' },
      'no-actions': { type: 'boolean', default: false },
      artifacts: { type: 'string' },
      calibration: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const limit = wholeFlag(values.limit, '--limit', 1, 100_000);
  const settings = settingsFrom(values);
  const { store, path } = await openRunStore(resolveRunDir(values.data));
  const forecaster = createForecaster(new DuckDbHistorySource(store.database), {
    settings,
    ...(values.artifacts ? { artifactsDir: values.artifacts } : {}),
    ...(values.calibration ? { calibrationPath: values.calibration } : {}),
  });
  try {
    const started = performance.now();
    if (!values.json) console.error(`pfm forecast: reading ${path} and projecting every machine...`);
    const forecast = await forecaster.latestForecast();
    const seconds = (performance.now() - started) / 1000;
    if (forecast === null) {
      console.error(`pfm forecast: ${path} holds no readings yet: run "npm start" first`);
      return 1;
    }
    if (values.json) {
      console.log(JSON.stringify(forecast));
      return 0;
    }
    console.log(renderForecast(forecast, limit));
    console.log(summaryLine(forecast, seconds));
    return 0;
  } finally {
    await forecaster.close();
    await store.close();
  }
}

/** The table of `pfm forecast`: machines with a forecast, soonest due first, then the ones without. */
export function renderForecast(forecast: FleetForecast, limit: number): string {
  const s = forecast.settings;
  const ok = forecast.machines.filter((m): m is MachineForecast => m.status === 'ok');
  const without = forecast.machines.filter((m): m is MachineWithoutForecast => m.status !== 'ok');
  const lines: string[] = [];
  const horizonLabel = `p(${s.horizonMs / HOUR} h)`;
  lines.push(
    renderTable(
      [
        '#',
        'machine',
        'type',
        'due',
        'mode',
        `p(${s.noticeMs / HOUR} h)`,
        horizonLabel,
        'wear min',
        'do first',
        'after',
      ],
      ok
        .slice(0, limit)
        .map((m, i) => [
          i + 1,
          m.deviceId,
          m.qualityType,
          m.dueAt === null ? `> ${s.horizonMs / HOUR} h` : `in ${duration(m.dueAt - m.asOf)}`,
          m.leadingMode ?? '-',
          percent(m.noticeProbability),
          percent(1 - m.beyondHorizon),
          Math.round(m.learned.toolWearMin),
          m.recommendation === null ? '-' : m.recommendation.description,
          m.recommendation === null
            ? '-'
            : `${percent(m.recommendation.noticeProbability)} / ${percent(m.recommendation.probability)}` +
              (m.recommendation.dueAt === null
                ? ''
                : `, due in ${duration(m.recommendation.dueAt - m.asOf)}`),
        ]),
    ),
  );
  if (ok.length > limit) lines.push(`... ${ok.length - limit} more machine(s) (--limit, or --json for all)`);
  if (without.length > 0) {
    lines.push('', `Not enough data (${without.length}):`);
    for (const m of without.slice(0, limit)) lines.push(`  ${m.deviceId}: ${m.reason}`);
  }
  lines.push('', 'Modes:');
  for (const n of forecast.modes) lines.push(`  ${n.mode}: ${n.note}`);
  lines.push(
    '',
    `"due": when the probability of a forecastable failure reaches ${s.dueLevel}; times count from each machine's ` +
      `last reading. "after": p(${s.noticeMs / HOUR} h) / p(${s.horizonMs / HOUR} h) once the action is taken now.`,
  );
  return lines.join('\n');
}

function summaryLine(forecast: FleetForecast, seconds: number): string {
  const s = forecast.settings;
  const ok = forecast.machines.filter((m): m is MachineForecast => m.status === 'ok');
  const soon = ok.filter((m) => m.noticeProbability >= s.dueLevel).length;
  const within = ok.filter((m) => m.dueAt !== null).length;
  const futures = s.paths * s.drawsPerPath;
  return (
    `pfm forecast: ${forecast.machines.length} machine(s): ${soon} due within ${s.noticeMs / HOUR} h, ${within} within ` +
    `${s.horizonMs / HOUR} h, ${forecast.machines.length - ok.length} without enough data; ` +
    `${forecast.rowsScored.toLocaleString('en-US')} projected readings (${futures} futures x ${s.horizonMs / s.stepMs} ` +
    `steps of ${s.stepMs / MINUTE} min) scored in ${forecast.scorerRuns} run(s), ${seconds.toFixed(1)} s`
  );
}

async function calibrateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      csv: { type: 'string' },
      out: { type: 'string' },
      artifacts: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.csv)
    throw new PfmError('CONFIG_INVALID', 'pfm forecast calibrate needs --csv FILE (the labelled AI4I file)');
  const out = values.out ?? SHIPPED_CALIBRATION;
  const artifacts = await loadModelArtifacts(values.artifacts);
  const scorer = await OnnxScorer.create(artifacts);
  try {
    const calibration = await calibrateFromCsv(
      await readFile(values.csv, 'utf8'),
      values.csv,
      artifacts,
      scorer,
    );
    await writeFile(out, `${JSON.stringify(calibration, null, 2)}\n`);
    const rows = Object.entries(calibration.classes).map(([name, c]) => {
      const mode = calibration.modes[name];
      return [
        name,
        c.observedRate,
        c.meanModelProbability,
        Number(c.oddsDivisor.toFixed(2)),
        mode === undefined ? '-' : Number.isFinite(mode.aheadAuc) ? mode.aheadAuc.toFixed(3) : 'n/a',
        mode === undefined ? '(any-failure head)' : mode.forecastable ? 'forecastable' : 'steady rate',
      ];
    });
    console.log(
      renderTable(['class', 'observed rate', 'mean model p', 'odds divisor', 'ahead AUC', 'kind'], rows),
    );
    console.log(
      `pfm forecast calibrate: model ${artifacts.modelVersion}, ${calibration.fittedOn.rows} rows of ${calibration.fittedOn.file} -> ${out}`,
    );
    return 0;
  } finally {
    await scorer.release();
  }
}

function settingsFrom(values: {
  horizon?: string;
  step?: string;
  level?: string;
  notice?: string;
  'no-actions'?: boolean;
}): Partial<ForecastSettings> {
  const settings: Partial<ForecastSettings> = {};
  if (values.horizon !== undefined) settings.horizonMs = wholeFlag(values.horizon, '--horizon', 1, 72) * HOUR;
  if (values.step !== undefined) settings.stepMs = wholeFlag(values.step, '--step', 1, 120) * MINUTE;
  if (values.notice !== undefined) settings.noticeMs = wholeFlag(values.notice, '--notice', 1, 72) * HOUR;
  if (values.level !== undefined) {
    const level = Number(values.level);
    if (!(level > 0 && level < 1))
      throw new PfmError('CONFIG_INVALID', `--level must be between 0 and 1, got "${values.level}"`);
    settings.dueLevel = level;
    settings.releaseLevel = Math.min(D.releaseLevel, level);
  }
  if (values['no-actions']) settings.actions = false;
  const horizon = settings.horizonMs ?? D.horizonMs;
  const step = settings.stepMs ?? D.stepMs;
  const bad = [horizon, settings.noticeMs ?? D.noticeMs].find((h) => h % step !== 0);
  if (bad !== undefined) {
    throw new PfmError(
      'CONFIG_INVALID',
      `--step ${step / MINUTE} min must divide the horizon and the notice window (${bad / MINUTE} min does not)`,
    );
  }
  // Report horizons: the defaults the steps fall on within the horizon, and the horizon itself.
  settings.reportHorizonsMs = [
    ...new Set([...D.reportHorizonsMs.filter((h) => h < horizon && h % step === 0), horizon]),
  ];
  if ((settings.noticeMs ?? D.noticeMs) > horizon) {
    throw new PfmError('CONFIG_INVALID', `--notice must not exceed --horizon (${horizon / HOUR} h)`);
  }
  return settings;
}

function wholeFlag(text: string | undefined, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new PfmError(
      'CONFIG_INVALID',
      `${flag} must be a whole number from ${min} to ${max}, got "${text}"`,
    );
  }
  return n;
}

function percent(p: number): string {
  return `${Math.round(p * 100)} %`;
}

/** 95 min -> "1 h 35 min". */
export function duration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / MINUTE));
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}
