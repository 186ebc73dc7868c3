import { parseArgs } from 'node:util';
import { openDuckDbStore } from '../../processors/store/openDuckDbStore.js';
import type { MachineRisk } from '../../processors/store/types.js';
import { existingStorePath, resolveDataDir } from './dataDir.js';
import { renderTable } from './format.js';

/** `pfm query "SQL"`: a read-only query on the embedded store, printed as a table (or JSON lines with --json). */
export async function queryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { data: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const sql = positionals.join(' ').trim();
  if (!sql) {
    console.error('usage: pfm query "SELECT ... FROM predictions" [--data DIR] [--json]');
    return 1;
  }
  const store = await openDuckDbStore(existingStorePath(resolveDataDir(values.data)), { readOnly: true });
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
    console.error(`${rows.length} row(s)`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `pfm top`: the machines most at risk, with the mode and readings that drive their risk. */
export async function topCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      limit: { type: 'string', default: '10' },
      window: { type: 'string', default: '20' },
    },
  });
  const limit = positiveInt(values.limit, '--limit');
  const window = positiveInt(values.window, '--window');
  const store = await openDuckDbStore(existingStorePath(resolveDataDir(values.data)), { readOnly: true });
  try {
    console.log(renderTopTable(await store.fleetQueries.topAtRisk({ limit, window }), window));
    return 0;
  } finally {
    await store.close();
  }
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

/** Parses a positive integer flag, naming the flag when it is not one. */
export function positiveInt(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`${flag} must be a positive integer, got "${text}"`);
  return n;
}

function toCell(v: unknown): string | number {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
