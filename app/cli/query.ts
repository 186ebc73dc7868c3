import type { DuckDbStore } from '../../processors/store/openDuckDbStore.js';
import type { MachineRisk } from '../../processors/store/types.js';
import { parseCommandArgs, positiveInt } from './args.js';
import { display, openRunStore, resolveRunDir } from './dataDir.js';
import { formatInstant, formatNumber, renderTable } from './format.js';

export { positiveInt } from './args.js';

const QUERY_HELP = `pfm query — a read-only SQL query on a run's embedded DuckDB store

Usage: pfm query "SELECT device_id, count(*) FROM predictions WHERE failure GROUP BY 1 ORDER BY 2 DESC LIMIT 5"

Tables: predictions (one row per scored reading), quarantine (rejected records with their reason and raw
bytes), drift_scores (per drift window and feature). The store is opened read-only.

Options:
  --data DIR   the data directory (its latest run) or one run's folder (default ./pfm-data or PFM_DATA_DIR)
  --json       one JSON object per row instead of a table
  --help       this help`;

const TOP_HELP = `pfm top — the machines most at risk in a run's store, with the mode and readings behind it

Risk is the mean failure probability over each machine's last --window readings; peak and alarms (readings
the model flagged as a failure) are over those same readings.

Options:
  --data DIR     the data directory (its latest run) or one run's folder (default ./pfm-data or PFM_DATA_DIR)
  --limit N      machines to list (default 10)
  --window N     readings per machine the risk is taken over (default 20)
  --help         this help`;

/** `pfm query "SQL"`: a read-only query on the embedded store, printed as a table (or JSON lines with --json). */
export async function queryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'query',
    argv,
    {
      data: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    { allowPositionals: true },
  );
  if (values.help) {
    console.log(QUERY_HELP);
    return 0;
  }
  const sql = positionals.join(' ').trim();
  if (!sql) {
    console.error(`pfm query: no SQL given\n\n${QUERY_HELP}`);
    return 1;
  }
  const { store, path } = await openRunStore(resolveRunDir(values.data));
  try {
    const rows = await store.database.query(sql);
    if (values.json) {
      for (const row of rows) console.log(JSON.stringify(row));
    } else if (rows.length > 0) {
      const headers = Object.keys(rows[0] as object);
      console.log(
        renderTable(
          headers,
          rows.map((r) => headers.map((h) => toCell(r[h]))),
        ),
      );
    }
    console.error(`${formatNumber(rows.length)} row(s) from ${display(path)}`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `pfm top`: the machines most at risk, with the mode and readings that drive their risk, and the span behind them. */
export async function topCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('top', argv, {
    data: { type: 'string' },
    limit: { type: 'string', default: '10' },
    window: { type: 'string', default: '20' },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    console.log(TOP_HELP);
    return 0;
  }
  const limit = positiveInt(values.limit, '--limit');
  const window = positiveInt(values.window, '--window');
  const { store, path } = await openRunStore(resolveRunDir(values.data));
  try {
    const machines = await store.fleetQueries.topAtRisk({ limit, window });
    console.log(await spanLine(store, path, window));
    console.log(renderTopTable(machines, window));
    return 0;
  } finally {
    await store.close();
  }
}

/** Which readings `pfm top` summarises: the store, its reading time, and the window per machine. */
async function spanLine(store: DuckDbStore, path: string, window: number): Promise<string> {
  const [row] = await store.database.query(
    'SELECT count(*)::INTEGER AS n, epoch_ms(min(time)) AS first, epoch_ms(max(time)) AS last FROM predictions',
  );
  const n = Number(row?.n ?? 0);
  const span =
    n > 0 ? `${formatInstant(Number(row?.first))} to ${formatInstant(Number(row?.last))}` : 'no readings yet';
  return (
    `${display(path)}: ${formatNumber(n)} predictions, reading time ${span}.\n` +
    `Risk, peak and alarms are over each machine's last ${formatNumber(window)} readings (pfm ask answers over a period instead).`
  );
}

/** The at-risk table shared by `pfm top` and the end-of-run summary. */
export function renderTopTable(machines: MachineRisk[], window: number): string {
  return renderTable(
    [
      'machine',
      'type',
      `risk (last ${window})`,
      'peak',
      'alarms',
      'leading mode',
      'wear min',
      'torque Nm',
      'dT K',
      'rpm',
    ],
    machines.map((m) => [
      m.deviceId,
      m.qualityType,
      m.risk,
      m.peakRisk,
      m.predictedFailures,
      `${m.leadingMode} ${(m.leadingModeProbability * 100).toFixed(0)}%`,
      m.latest.toolWearMin,
      m.latest.torqueNm,
      m.latest.temperatureDeltaK,
      m.latest.rotationalSpeedRpm,
    ]),
  );
}

function toCell(v: unknown): string | number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
