import { describe, expect, it } from 'vitest';
import {
  PREDICTION_SERIES,
  QUARANTINE_SERIES,
  TIMESTREAM_LIMITS,
} from '../../../processors/sinks/constants.js';
import { openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';

async function duckDbColumns(table: string): Promise<string[]> {
  const store = await openDuckDbStore(':memory:');
  try {
    const rows = await store.database.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`,
    );
    return rows.map((r) => String(r.column_name));
  } finally {
    await store.close();
  }
}

describe('series schemas', () => {
  it('the predictions table has the DuckDB store column names, no more, no fewer', async () => {
    const timestream = ['time', ...PREDICTION_SERIES.dimensions, ...Object.keys(PREDICTION_SERIES.measures)];
    expect([...timestream].sort()).toEqual((await duckDbColumns('predictions')).sort());
  });

  it('the quarantine table keeps the DuckDB names; received_at is Timestream time, raw is base64', async () => {
    const timestream = new Set([
      'time',
      ...QUARANTINE_SERIES.dimensions,
      ...Object.keys(QUARANTINE_SERIES.measures),
    ]);
    const renamed: Record<string, string> = { received_at: 'time', raw: 'raw_base64' };
    for (const column of await duckDbColumns('quarantine'))
      expect(timestream.has(renamed[column] ?? column), column).toBe(true);
  });

  it('stays inside the Timestream limits on names and measures', () => {
    for (const series of [PREDICTION_SERIES, QUARANTINE_SERIES]) {
      expect(Object.keys(series.measures).length).toBeLessThanOrEqual(
        TIMESTREAM_LIMITS.measuresPerMultiMeasureRecord,
      );
      for (const d of series.dimensions)
        expect(Buffer.byteLength(d)).toBeLessThanOrEqual(TIMESTREAM_LIMITS.dimensionNameBytes);
      for (const name of [...series.dimensions, ...Object.keys(series.measures)]) {
        expect(name).toMatch(/^(?!ts_|measure_value|measure_name$|time$)[a-z][a-z0-9_]*$/);
      }
    }
  });
});
