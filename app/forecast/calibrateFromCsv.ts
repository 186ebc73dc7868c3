import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { ANY_FAILURE_CLASS } from '../../model/decision.js';
import { buildFeatureMatrix } from '../../model/featureMatrix.js';
import type { ModelArtifacts, Scorer } from '../../model/types.js';
import { fitCalibration } from '../../processors/forecast/calibration.js';
import { streamKey, unitAt } from '../../processors/forecast/random.js';
import type { ForecastCalibration } from '../../processors/forecast/types.js';
import { parseReadingsCsv } from '../cli/score.js';

/** The AI4I column that holds the any-failure label. */
const ANY_FAILURE_COLUMN = 'Machine failure';
/** Torque-and-speed draws per row behind the probabilities forecastability is judged on. */
const AHEAD_DRAWS = 16;
const AHEAD_SEED = 17;

/**
 * Fits the forecaster's calibration for a model on a labelled CSV in the AI4I layout (the model's own
 * training file: UDI order is time order): every row is scored, each class's odds divisor fitted to its
 * label column (a class's column has the class's name; the any-failure head's is "Machine failure"), and
 * each mode judged forecastable or not. Throws naming the first row or column it cannot use.
 */
export async function calibrateFromCsv(
  text: string,
  file: string,
  model: Pick<ModelArtifacts, 'classes' | 'scaler' | 'modelSha256'>,
  scorer: Scorer,
): Promise<ForecastCalibration> {
  const { rows, rejects } = parseReadingsCsv(text);
  if (rejects.length > 0) {
    const first = rejects[0];
    throw new Error(`${rejects.length} row(s) cannot be read, e.g. line ${first?.line}: ${first?.reason}`);
  }
  if (rows.length < 100) throw new Error(`only ${rows.length} rows: too few to calibrate on`);
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const headerLine = lines.findIndex((l) => l.trim() !== '');
  const header = (lines[headerLine] as string).split(',').map((h) => h.trim());
  const columnOf = (cls: string): number =>
    header.indexOf(cls === ANY_FAILURE_CLASS ? ANY_FAILURE_COLUMN : cls);
  const unlabelled = model.classes.filter((c) => columnOf(c) < 0);
  if (unlabelled.length > 0) {
    throw new Error(`no label column for class(es) ${unlabelled.join(', ')} (header: ${header.join(', ')})`);
  }
  // Time order: the file's UDI order.
  const ordered = [...rows].sort((a, b) => Number(a.udi) - Number(b.udi));
  const n = ordered.length;
  const labels: Record<string, Uint8Array> = {};
  for (const cls of model.classes) labels[cls] = new Uint8Array(n);
  ordered.forEach((row, i) => {
    const fields = (lines[row.line - 1] as string).replace(/\r$/, '').split(',');
    for (const cls of model.classes) {
      const value = (fields[columnOf(cls)] ?? '').trim();
      if (value !== '0' && value !== '1') {
        throw new Error(`line ${row.line}: label ${cls} is "${value}", expected 0 or 1`);
      }
      (labels[cls] as Uint8Array)[i] = value === '1' ? 1 : 0;
    }
  });
  const x = buildFeatureMatrix(
    ordered.map((r) => r.reading),
    model.scaler,
  );
  const probabilities = await scorer.score(x, n);
  // Each row's slow state (wear, temperatures, quality) with the torque and speed of other rows, as the
  // forecast projects a future process: the mean probability over AHEAD_DRAWS draws.
  const key = streamKey(AHEAD_SEED, 0);
  const drawn = ordered.flatMap((row, i) =>
    Array.from({ length: AHEAD_DRAWS }, (_, d) => {
      const other = ordered[Math.floor(unitAt(key, i * AHEAD_DRAWS + d) * n)]?.reading ?? row.reading;
      return { ...row.reading, torqueNm: other.torqueNm, rotationalSpeedRpm: other.rotationalSpeedRpm };
    }),
  );
  const drawnP = await scorer.score(buildFeatureMatrix(drawn, model.scaler), drawn.length);
  const c = model.classes.length;
  const aheadProbabilities = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < AHEAD_DRAWS; d++) {
      for (let k = 0; k < c; k++) {
        aheadProbabilities[i * c + k] =
          (aheadProbabilities[i * c + k] as number) +
          (drawnP[(i * AHEAD_DRAWS + d) * c + k] as number) / AHEAD_DRAWS;
      }
    }
  }
  return fitCalibration(
    {
      classes: model.classes,
      probabilities,
      aheadProbabilities,
      labels,
      n,
      modes: model.classes.filter((c) => c !== ANY_FAILURE_CLASS),
    },
    {
      modelSha256: model.modelSha256,
      fittedOn: { file: basename(file), sha256: createHash('sha256').update(text).digest('hex'), rows: n },
    },
  );
}
