import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PfmError } from '../kernel/errors.js';

/** The file beside model.onnx that orders releases (model/artifacts/README.md, "release.json"). */
export const RELEASE_FILE = 'release.json';

/**
 * release.json: which model this is in the order of releases. `sequence` grows by one with every model that
 * is released (retrained model.onnx); the stores keep, for each reading, the prediction of the highest
 * sequence (Timestream writes it as the record Version). `modelSha256` ties the number to one model.onnx, so
 * a retrained model that still carries the old number is refused instead of losing to the old predictions.
 */
const releaseSchema = z.strictObject({
  sequence: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export type ModelRelease = z.infer<typeof releaseSchema>;

/** Reads and checks `dir/release.json` against the sha256 of the model.onnx beside it. */
export async function readModelRelease(dir: string, modelSha256: string): Promise<ModelRelease> {
  const path = join(dir, RELEASE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PfmError(
      'CONFIG_INVALID',
      `cannot read model artifact ${path}: ${(error as Error).message}; ` +
        `write {"sequence": <previous sequence + 1>, "modelSha256": "${modelSha256}"}`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PfmError('CONFIG_INVALID', `${RELEASE_FILE} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = releaseSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PfmError('CONFIG_INVALID', `${RELEASE_FILE} is malformed: ${problems.join('; ')}`);
  }
  if (parsed.data.modelSha256 !== modelSha256) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `${RELEASE_FILE} in ${dir} describes model ${parsed.data.modelSha256.slice(0, 12)} (sequence ` +
        `${parsed.data.sequence}) but model.onnx is ${modelSha256.slice(0, 12)}: a new model needs the next ` +
        `sequence, write {"sequence": ${parsed.data.sequence + 1}, "modelSha256": "${modelSha256}"}`,
    );
  }
  return parsed.data;
}
