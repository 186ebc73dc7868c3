import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCalibration, shippedCalibrationPath } from '../../processors/drift/calibration.js';
import { DRIFT_CALIBRATION_FILE } from '../../processors/drift/constants.js';
import { createDriftCore } from '../../processors/drift/core.js';
import { modelEngineerFor } from '../../processors/drift/modelFeatures.js';
import { loadDriftReference } from '../../processors/drift/reference.js';
import type { DriftCalibration, DriftEvent, MonitorState } from '../../processors/drift/types.js';
import { emptyWindow } from '../../processors/drift/window.js';
import { EVENT_LOG_FILE, LocalEventLog } from '../../processors/events/LocalEventLog.js';
import { openDuckDbStore } from '../../processors/store/openDuckDbStore.js';
import { calibrateOnHistory, historyPolicy } from '../drift/historyCalibration.js';
import { historyFromCsv } from '../drift/historyReadings.js';
import { calibrateOnSimulator } from '../drift/simulatedCalibration.js';
import { existingStorePath, resolveRunDir } from './dataDir.js';
import { renderTable } from './format.js';

const HELP = `pfm drift — the drift monitor's tools

Usage:
  pfm drift events [--data DIR] [--limit N] [--json]
      the drift events of a local run (DIR/${EVENT_LOG_FILE}), newest last
  pfm drift scores [--data DIR] [--scope S] [--feature F] [--limit N]
      per-window drift scores from the embedded store (table drift_scores)
  pfm drift evaluate --in FILE.csv [--window N] [--calibration FILE | --machines N] [--artifacts DIR] [--json]
      runs the monitor over a CSV in the AI4I layout (e.g. from "pfm simulate --out"), rows in file order,
      windows of N rows (default 1000): one line per window with the fleet state and its top features, then
      the events. Thresholds: a calibration file; or a stationary simulated fleet of N machines (calibrated
      first); or, with neither, the calibration shipped with the model (${DRIFT_CALIBRATION_FILE})
  pfm drift calibrate --in FILE.csv [--window N] [--stride N] --out FILE
      measures the null spread of the scores on a reference file in its own order (a time-ordered history,
      e.g. the training file): its consecutive windows, replayed from every Nth row (--stride, default
      window/20), and each sensor's runs of identical readings (the stuck-sensor thresholds)
  pfm drift calibrate --machines N [--window N] [--windows N] [--seed S] --out FILE
      the same on a stationary simulated fleet of N machines: for simulated fleets only
  The calibration goes to PFM_DRIFT_CALIBRATION (the Lambda; the stack ships
  model/artifacts/${DRIFT_CALIBRATION_FILE}) or --calibration here.`;

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
  const top = d.sensors
    ? d.sensors
        .map((s) => `${s.sensor} repeats ${s.value} (${s.run} readings, threshold ${s.runThreshold})`)
        .join(', ')
    : d.topFeatures
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
  const events = LocalEventLog.open<DriftEvent>(path)
    .read()
    .slice(-positive(values.limit, '--limit', Number.MAX_SAFE_INTEGER));
  if (values.json) for (const e of events) console.log(JSON.stringify(e));
  else if (events.length > 0) {
    console.log(
      renderTable(
        ['time', 'event', 'scope', 'state', 'severity', 'rule', 'top features / sensors'],
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
  const history = historyFromCsv(readFileSync(values.in, 'utf8'));
  if (history.rejects.length > 0)
    console.error(
      `${history.rejects.length} row(s) skipped (unparseable), e.g. line ${history.rejects[0]?.line}: ${history.rejects[0]?.reason}`,
    );
  let calibration: DriftCalibration | undefined;
  if (values.calibration) calibration = loadCalibration(values.calibration);
  else if (values.machines) {
    const machines = positive(values.machines, '--machines', 50);
    console.error(
      `calibrating on a stationary simulated fleet of ${machines} machines, windows of ${windowRecords}...`,
    );
    calibration = calibrateOnSimulator({ reference, engineer, machines, windowRecords });
  } else {
    const shipped = shippedCalibrationPath(values.artifacts);
    if (shipped) {
      calibration = loadCalibration(shipped);
      console.error(`thresholds: ${shipped} (${calibration.source})`);
    } else console.error('no --calibration or --machines and no shipped calibration: iid thresholds');
  }
  if (calibration && calibration.windowRecords !== windowRecords)
    console.error(
      `note: the calibration was measured on windows of ${calibration.windowRecords}, these are ${windowRecords}`,
    );
  const core = createDriftCore({
    reference,
    engineer,
    policy: historyPolicy(history),
    ...(calibration ? { calibration } : {}),
  });
  const rows = history.readings;
  let state: MonitorState = core.initialState();
  const events: DriftEvent[] = [];
  const table: (string | number)[][] = [];
  for (let start = 0, seq = 1; start < rows.length; start += windowRecords, seq++) {
    const chunk = rows.slice(start, start + windowRecords);
    const window = emptyWindow();
    for (const reading of chunk) core.add(window, reading);
    const evaluation = core.evaluate(
      {
        seq,
        start: chunk[0]?.timestamp ?? 0,
        end: chunk[chunk.length - 1]?.timestamp ?? 0,
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
      in: { type: 'string' },
      machines: { type: 'string' },
      window: { type: 'string' },
      windows: { type: 'string' },
      stride: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      artifacts: { type: 'string' },
    },
  });
  if (!values.out || (values.in === undefined) === (values.machines === undefined)) {
    console.error(
      'usage: pfm drift calibrate --in FILE.csv [--window N] [--stride N] --out FILE\n' +
        '       pfm drift calibrate --machines N [--window N] [--windows N] [--seed S] --out FILE',
    );
    return 1;
  }
  const reference = loadDriftReference(values.artifacts);
  const engineer = modelEngineerFor(reference);
  const windowRecords = positive(values.window, '--window', 1000);
  let calibration: DriftCalibration;
  if (values.in !== undefined) {
    const history = historyFromCsv(readFileSync(values.in, 'utf8'));
    if (history.rejects.length > 0) {
      const r = history.rejects[0];
      console.error(
        `${values.in}: ${history.rejects.length} row(s) cannot be read, e.g. line ${r?.line}: ${r?.reason}`,
      );
      return 1;
    }
    const stride = positive(values.stride, '--stride', Math.max(1, Math.floor(windowRecords / 20)));
    if (history.readings.length < 2 * windowRecords) {
      console.error(
        `${values.in}: ${history.readings.length} rows, fewer than two windows of ${windowRecords}`,
      );
      return 1;
    }
    calibration = calibrateOnHistory({
      core: createDriftCore({ reference, engineer, policy: historyPolicy(history) }),
      history,
      windowRecords,
      stride,
      source:
        `time-ordered history: ${basename(values.in)} (${history.readings.length} rows, ` +
        `${history.machines === 1 ? 'one machine' : `${history.machines} machines`}), consecutive windows of ` +
        `${windowRecords} replayed from every ${stride}th row`,
    });
  } else {
    calibration = calibrateOnSimulator({
      reference,
      engineer,
      machines: positive(values.machines, '--machines', 50),
      windowRecords,
      windows: positive(values.windows, '--windows', 3000),
      ...(values.seed !== undefined ? { seed: positive(values.seed, '--seed', 1) } : {}),
    });
  }
  writeFileSync(values.out, `${JSON.stringify(calibration, null, 2)}\n`);
  const stuck = Object.entries(calibration.sensors)
    .map(([sensor, c]) => `${sensor} ${c?.runThreshold}`)
    .join(', ');
  console.error(
    `wrote ${values.out}: ${calibration.source}; ${calibration.windows} windows; stuck after identical readings: ${stuck}`,
  );
  return 0;
}
