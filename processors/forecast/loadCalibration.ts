import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PfmError } from '../../kernel/errors.js';
import shipped from './calibration.json' with { type: 'json' };
import type { ForecastCalibration } from './types.js';

const calibrationSchema = z.object({
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
  classes: z.record(
    z.string(),
    z.object({
      oddsDivisor: z.number().positive(),
      observedRate: z.number().min(0).max(1),
      meanModelProbability: z.number().min(0).max(1),
    }),
  ),
  // JSON has no NaN: an AUC that could not be computed (a mode never seen) is stored as null.
  modes: z.record(
    z.string(),
    z.object({
      aheadAuc: z
        .number()
        .nullable()
        .transform((v) => v ?? Number.NaN),
      forecastable: z.boolean(),
    }),
  ),
  aheadProcesses: z.number().int().positive(),
  minAheadAuc: z.number().min(0).max(1),
  fittedOn: z.object({ file: z.string(), sha256: z.string(), rows: z.number().int().positive() }),
});

/** Validates a parsed calibration; throws CONFIG_INVALID naming `source` and the first problem. */
export function parseCalibration(json: unknown, source: string): ForecastCalibration {
  const parsed = calibrationSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new PfmError('CONFIG_INVALID', `${source} is not a forecast calibration: ${problems}`);
  }
  return parsed.data;
}

/**
 * The forecast calibration: the one shipped beside this module (bundled into the function, written by
 * `pfm forecast calibrate`), or the file at `path`.
 */
export async function loadCalibration(path?: string): Promise<ForecastCalibration> {
  if (path === undefined) return parseCalibration(shipped, 'processors/forecast/calibration.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new PfmError(
      'CONFIG_INVALID',
      `cannot read forecast calibration ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return parseCalibration(json, path);
}
