import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { ANY_FAILURE_CLASS } from '../../model/decision.js';
import { buildFeatureMatrix } from '../../model/featureMatrix.js';
import type { ModelArtifacts, Scorer } from '../../model/types.js';
import { fitCalibration } from '../../processors/forecast/calibration.js';
import type { ForecastCalibration } from '../../processors/forecast/types.js';
import { parseReadingsCsv } from '../cli/score.js';

/** The AI4I column that holds the any-failure label. */
const ANY_FAILURE_COLUMN = 'Machine failure';

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
  return fitCalibration(
    {
      classes: model.classes,
      probabilities,
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
