import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCalibration } from '../../processors/drift/calibration.js';
import { createDriftCore } from '../../processors/drift/core.js';
import { EVENT_LOG_FILE, LocalEventLog } from '../../processors/drift/LocalEventLog.js';
import { modelEngineerFor } from '../../processors/drift/modelFeatures.js';
import { loadDriftReference } from '../../processors/drift/reference.js';
import type { DriftCalibration, DriftEvent, MonitorState } from '../../processors/drift/types.js';
import { emptyWindow } from '../../processors/drift/window.js';
import { openDuckDbStore } from '../../processors/store/openDuckDbStore.js';
import type { SensorReading } from '../../schemas/reading.js';
import { calibrateOnSimulator } from '../drift/simulatedCalibration.js';
import { existingStorePath, resolveRunDir } from './dataDir.js';
import { renderTable } from './format.js';
import { parseReadingsCsv } from './score.js';

const HELP = `pfm drift — the drift monitor's tools

Usage:
  pfm drift events [--data DIR] [--limit N] [--json]
      the drift events of a local run (DIR/${EVENT_LOG_FILE}), newest last
  pfm drift scores [--data DIR] [--scope S] [--feature F] [--limit N]
      per-window drift scores from the embedded store (table drift_scores)
  pfm drift evaluate --in FILE.csv [--window N] [--calibration FILE | --machines N] [--artifacts DIR] [--json]
      runs the monitor over a CSV in the AI4I layout (e.g. from "pfm simulate --out"), rows in file order,
      windows of N rows (default 1000): one line per window with the fleet state and its top features, then
      the events. Thresholds: a calibration file, or a stationary simulated fleet of N machines (calibrated
      first), or, with neither, iid theory (too strict for slowly varying temperatures; expect alarms)
  pfm drift calibrate --machines N [--window N] [--windows N] [--seed S] --out FILE
      measures the null spread of the scores on a stationary simulated fleet and writes a calibration file
      (PFM_DRIFT_CALIBRATION for the Lambda, --calibration here)`;

/** \`pfm drift ...\`: inspect and evaluate drift monitoring. */
export async function driftCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'events':
      return eventsCommand(rest);
    case 'scores':
      return scoresCommand(rest);
    case 'evaluate':
      return evaluateCommand(rest);
    case 'calibrate':
      return calibrateCommand(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP);
      return sub === undefined ? 1 : 0;
    default:
      console.error(`pfm drift: unknown subcommand "${sub}"\n\n${HELP}`);
      return 1;
  }
}

function positive(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return n;
}

function eventLine(e: DriftEvent): (string | number)[] {
  const d = e.detail;
  const top = d.topFeatures
    .slice(0, 3)
    .map((f) => `${f.feature} (shift ${f.meanShift.toFixed(2)} sd, psi ${f.psi.toFixed(3)})`)
    .join(', ');
  return [
    e.time,
    e.detailType,
    d.scope.id,
    `${d.decision.previousState}->${d.decision.state}`,
    d.decision.severity,
    d.decision.rule,
    top,
  ];
}

async function eventsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const path = join(resolveRunDir(values.data), EVENT_LOG_FILE);
  if (!existsSync(path)) {
    console.error(`no drift events at ${path} (the drift monitor has not written any yet)`);
    return 1;
  }
  const events = LocalEventLog.open(path)
    .read()
    .slice(-positive(values.limit, '--limit', Number.MAX_SAFE_INTEGER));
  if (values.json) for (const e of events) console.log(JSON.stringify(e));
  else if (events.length > 0) {
    console.log(
      renderTable(
        ['time', 'event', 'scope', 'state', 'severity', 'rule', 'top features'],
        events.map(eventLine),
      ),
    );
  }
  console.error(`${events.length} event(s)`);
  return 0;
}

async function scoresCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      scope: { type: 'string' },
      feature: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const store = await openDuckDbStore(existingStorePath(resolveRunDir(values.data)), { readOnly: true });
  try {
    const rows = await store.driftScores.latest({
      ...(values.scope ? { scope: values.scope } : {}),
      ...(values.feature ? { feature: values.feature } : {}),
      limit: positive(values.limit, '--limit', 50),
    });
    console.log(
      renderTable(
        [
          'window end',
          'scope',
          'feature',
          'n',
          'mean shift',
          'var ratio',
          'psi',
          'cusum',
          'state',
          'breached',
        ],
        rows.map((r) => [
          new Date(r.windowEnd).toISOString(),
          r.scope,
          r.feature,
          r.n,
          r.meanShift.toFixed(3),
          r.varianceRatio.toFixed(3),
          r.psi.toFixed(4),
          r.cusum.toFixed(2),
          r.state,
          r.breached ? 'yes' : '',
        ]),
      ),
    );
    console.error(`${rows.length} row(s)`);
    return 0;
  } finally {
    await store.close();
  }
}

async function evaluateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      in: { type: 'string' },
      window: { type: 'string' },
      calibration: { type: 'string' },
      machines: { type: 'string' },
      artifacts: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.in) {
    console.error('usage: pfm drift evaluate --in FILE.csv [--window N] [--calibration FILE | --machines N]');
    return 1;
  }
  const windowRecords = positive(values.window, '--window', 1000);
  const reference = loadDriftReference(values.artifacts);
  const engineer = modelEngineerFor(reference);
  let calibration: DriftCalibration | undefined;
  if (values.calibration) calibration = loadCalibration(values.calibration);
  else if (values.machines) {
    const machines = positive(values.machines, '--machines', 50);
    console.error(
      `calibrating on a stationary simulated fleet of ${machines} machines, windows of ${windowRecords}...`,
    );
    calibration = calibrateOnSimulator({ reference, engineer, machines, windowRecords });
  } else console.error('no --calibration or --machines: iid thresholds');

  const text = readFileSync(values.in, 'utf8');
  const { rows, rejects } = parseReadingsCsv(text);
  if (rejects.length > 0)
    console.error(
      `${rejects.length} row(s) skipped (unparseable), e.g. line ${rejects[0]?.line}: ${rejects[0]?.reason}`,
    );
  const lines = text.split('\n');
  const productAt = (lines[0] ?? '')
    .split(',')
    .map((h) => h.trim())
    .indexOf('Product ID');
  const core = createDriftCore({ reference, engineer, ...(calibration ? { calibration } : {}) });
  let state: MonitorState = core.initialState();
  const events: DriftEvent[] = [];
  const table: (string | number)[][] = [];
  for (let start = 0, seq = 1; start < rows.length; start += windowRecords, seq++) {
    const chunk = rows.slice(start, start + windowRecords);
    const window = emptyWindow();
    chunk.forEach((row, i) => {
      // A CSV carries no clock: row k is taken as k seconds after the first.
      const product = productAt >= 0 ? lines[row.line - 1]?.split(',')[productAt]?.trim() : undefined;
      const reading: SensorReading = {
        ...row.reading,
        deviceId: product || `row-${row.udi}`,
        timestamp: (start + i) * 1000,
        sequenceNumber: start + i,
        firmware: 'csv',
      };
      core.add(window, reading);
    });
    const evaluation = core.evaluate(
      {
        seq,
        start: start * 1000,
        end: (start + chunk.length - 1) * 1000,
        state: window,
        terminatedEarly: chunk.length < windowRecords,
      },
      state,
    );
    state = evaluation.state;
    events.push(...evaluation.events);
    const fleet = [...(evaluation.scores.fleet ?? [])].sort((a, b) => a.minP - b.minP || b.psi - a.psi);
    const top = fleet
      .slice(0, 3)
      .map(
        (f) =>
          `${f.feature}${f.breached.length > 0 ? `[${f.breached.join('+')}]` : ''} ${f.meanShift >= 0 ? '+' : ''}${f.meanShift.toFixed(2)}sd`,
      )
      .join(', ');
    table.push([
      seq,
      chunk.length,
      state.scopes.fleet?.state ?? '-',
      top,
      evaluation.events.map((e) => e.detailType).join(' '),
    ]);
  }
  if (values.json) for (const e of events) console.log(JSON.stringify(e));
  else {
    console.log(renderTable(['window', 'rows', 'fleet', 'top features', 'events'], table));
    if (events.length > 0) {
      console.log('');
      console.log(
        renderTable(
          ['time', 'event', 'scope', 'state', 'severity', 'rule', 'top features'],
          events.map(eventLine),
        ),
      );
    }
  }
  console.error(`${table.length} window(s), ${events.length} event(s)`);
  return 0;
}

async function calibrateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      machines: { type: 'string' },
      window: { type: 'string' },
      windows: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      artifacts: { type: 'string' },
    },
  });
  if (!values.machines || !values.out) {
    console.error('usage: pfm drift calibrate --machines N [--window N] [--windows N] [--seed S] --out FILE');
    return 1;
  }
  const reference = loadDriftReference(values.artifacts);
  const calibration = calibrateOnSimulator({
    reference,
    engineer: modelEngineerFor(reference),
    machines: positive(values.machines, '--machines', 50),
    windowRecords: positive(values.window, '--window', 1000),
    windows: positive(values.windows, '--windows', 3000),
    ...(values.seed !== undefined ? { seed: positive(values.seed, '--seed', 1) } : {}),
  });
  writeFileSync(values.out, `${JSON.stringify(calibration, null, 2)}\n`);
  console.error(`wrote ${values.out}: ${calibration.source}`);
  return 0;
}
