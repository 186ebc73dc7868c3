import { readFileSync } from 'node:fs';
import type { GroundTruth } from '../../../stream/simulator/types.js';

/** The five numeric columns, as the simulator's SensorReading names them. */
export const NUMERIC_FEATURES = [
  'airTemperatureK',
  'processTemperatureK',
  'rotationalSpeedRpm',
  'torqueNm',
  'toolWearMin',
] as const;
export type NumericFeature = (typeof NUMERIC_FEATURES)[number];
export const FAILURE_COLUMNS = [
  'failure',
  'TWF',
  'HDF',
  'PWF',
  'OSF',
  'RNF',
] as const satisfies readonly (keyof GroundTruth)[];

export interface Ai4iRow {
  type: string;
  values: Record<NumericFeature, number>;
  labels: Record<(typeof FAILURE_COLUMNS)[number], boolean>;
}

/** Statistics the simulator is calibrated against. */
export interface ColumnStats {
  mean: Record<NumericFeature, number>;
  sd: Record<NumericFeature, number>;
  speedTorqueCorrelation: number;
  rate: Record<(typeof FAILURE_COLUMNS)[number], number>;
}

const TRAINING_CSV = new URL('../../../../shared/data/ai4i2020-train.csv', import.meta.url);

/** Parses AI4I-format CSV text (the training file or the simulator's own output). */
export function parseAi4iCsv(text: string): Ai4iRow[] {
  const [, ...lines] = text.trim().split('\n');
  return lines.map((line) => {
    const c = line.split(',');
    const n = (i: number): number => Number(c[i]);
    return {
      type: c[2] ?? '',
      values: {
        airTemperatureK: n(3),
        processTemperatureK: n(4),
        rotationalSpeedRpm: n(5),
        torqueNm: n(6),
        toolWearMin: n(7),
      },
      labels: {
        failure: c[8] === '1',
        TWF: c[9] === '1',
        HDF: c[10] === '1',
        PWF: c[11] === '1',
        OSF: c[12] === '1',
        RNF: c[13] === '1',
      },
    };
  });
}

/** Reads ../shared/data/ai4i2020-train.csv relative to the repository root. */
export function loadTrainingRows(): Ai4iRow[] {
  return parseAi4iCsv(readFileSync(TRAINING_CSV, 'utf8'));
}

/** Means, population sds, speed–torque correlation and per-mode rates of a set of rows. */
export function columnStats(rows: readonly Pick<Ai4iRow, 'values' | 'labels'>[]): ColumnStats {
  const n = rows.length;
  const mean = {} as Record<NumericFeature, number>;
  const sd = {} as Record<NumericFeature, number>;
  for (const f of NUMERIC_FEATURES) {
    const m = rows.reduce((sum, r) => sum + r.values[f], 0) / n;
    mean[f] = m;
    sd[f] = Math.sqrt(rows.reduce((sum, r) => sum + (r.values[f] - m) ** 2, 0) / n);
  }
  const cov =
    rows.reduce(
      (sum, r) =>
        sum + (r.values.rotationalSpeedRpm - mean.rotationalSpeedRpm) * (r.values.torqueNm - mean.torqueNm),
      0,
    ) / n;
  const rate = {} as Record<(typeof FAILURE_COLUMNS)[number], number>;
  for (const k of FAILURE_COLUMNS) rate[k] = rows.filter((r) => r.labels[k]).length / n;
  return { mean, sd, speedTorqueCorrelation: cov / (sd.rotationalSpeedRpm * sd.torqueNm), rate };
}
