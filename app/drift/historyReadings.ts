import type { SensorReading } from '../../schemas/reading.js';
import { parseReadingsCsv } from '../cli/score.js';

/** The machine id of a history whose rows are all one machine's processes. */
export const HISTORY_MACHINE = 'history';

/** A reference file's rows in their own (time) order, as readings the drift monitor takes. */
export interface History {
  readings: SensorReading[];
  /** Distinct machines (device ids) among the readings. */
  machines: number;
  /** Rows that could not be read, with their line and reason. */
  rejects: { line: number; reason: string }[];
}

/**
 * Reads a CSV in the AI4I layout as a time-ordered history: row k becomes a reading k seconds after the
 * first (a CSV carries no clock; only the order matters). Its device is the machine the row comes from: the
 * Product ID when Product IDs repeat (a simulated fleet written by `pfm simulate --out`: L0001 is machine
 * M-0001), or one machine for the whole file when every Product ID is new (the AI4I layout: each row is
 * one product, the rows are one line's processes in order).
 */
export function historyFromCsv(text: string): History {
  const { rows, rejects } = parseReadingsCsv(text);
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const productAt = (lines.find((l) => l.trim() !== '') ?? '')
    .split(',')
    .map((h) => h.trim())
    .indexOf('Product ID');
  const products = rows.map((row) =>
    productAt >= 0 ? lines[row.line - 1]?.split(',')[productAt]?.trim() || undefined : undefined,
  );
  const distinct = new Set(products.filter((p) => p !== undefined)).size;
  const oneMachine = distinct === 0 || distinct === rows.length;
  const readings = rows.map(
    (row, i): SensorReading => ({
      ...row.reading,
      deviceId: oneMachine ? HISTORY_MACHINE : (products[i] ?? `row-${row.udi}`),
      timestamp: i * 1000,
      sequenceNumber: i,
      firmware: 'csv',
    }),
  );
  return {
    readings,
    machines: new Set(readings.map((r) => r.deviceId)).size,
    rejects: rejects.map(({ line, reason }) => ({ line, reason })),
  };
}
