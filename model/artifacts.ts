import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PfmError } from '../kernel/errors.js';
import { FEATURE_NAMES } from './features.js';
import { readModelRelease } from './release.js';
import type { ModelArtifacts, ModelReference } from './types.js';

/** model/artifacts/ beside this file, as an absolute path. */
export const DEFAULT_ARTIFACTS_DIR = fileURLToPath(new URL('./artifacts/', import.meta.url));

const scalerSchema = z.object({
  features: z.array(z.string().min(1)),
  mean: z.array(z.number()),
  scale: z.array(z.number().positive()),
});

const thresholdsSchema = z.record(z.string(), z.number().min(0).max(1));

const featureStatsSchema = z.object({
  mean: z.number(),
  std: z.number(),
  min: z.number(),
  max: z.number(),
  n: z.number().int().positive(),
  binEdges: z.array(z.number()).length(9),
  proportions: z.array(z.number().min(0).max(1)).length(10),
});

const referenceSchema = z.object({
  model: z.string().min(1),
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
  features: z.array(z.string().min(1)),
  stats: z.record(z.string(), featureStatsSchema),
});

/**
 * Loads model/artifacts/ and cross-checks it: features.txt against the feature code (FEATURE_NAMES),
 * scaler.json and reference.json against features.txt, thresholds.json against classes.txt, and
 * reference.json's model hash against model.onnx. Throws PfmError CONFIG_INVALID (missing or malformed
 * file) or MODEL_MISMATCH (files that do not belong together), naming the file and the difference.
 */
export async function loadModelArtifacts(dir: string = DEFAULT_ARTIFACTS_DIR): Promise<ModelArtifacts> {
  const modelPath = join(dir, 'model.onnx');
  // One after another, not Promise.all: with several files missing, the error always names the first one.
  const modelBytes = await readArtifact(modelPath);
  const featuresTxt = await readArtifact(join(dir, 'features.txt'));
  const classesTxt = await readArtifact(join(dir, 'classes.txt'));
  const scalerJson = await readArtifact(join(dir, 'scaler.json'));
  const thresholdsJson = await readArtifact(join(dir, 'thresholds.json'));
  const referenceJson = await readArtifact(join(dir, 'reference.json'));

  const features = lines(featuresTxt.toString('utf8'));
  if (!sameList(features, FEATURE_NAMES)) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `features.txt in ${dir} lists [${features.join(', ')}] but model/features.ts computes ` +
        `[${FEATURE_NAMES.join(', ')}]; retrain (npm run train) or update the feature code`,
    );
  }

  const classes = lines(classesTxt.toString('utf8'));
  if (classes.length === 0) throw new PfmError('CONFIG_INVALID', `classes.txt in ${dir} is empty`);
  if (new Set(classes).size !== classes.length) {
    throw new PfmError('CONFIG_INVALID', `classes.txt in ${dir} repeats a class: [${classes.join(', ')}]`);
  }

  const scaler = parse(scalerSchema, scalerJson, 'scaler.json');
  if (!sameList(scaler.features, features)) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `scaler.json features [${scaler.features.join(', ')}] differ from features.txt [${features.join(', ')}]`,
    );
  }
  if (scaler.mean.length !== features.length || scaler.scale.length !== features.length) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `scaler.json has ${scaler.mean.length} means and ${scaler.scale.length} scales for ${features.length} features`,
    );
  }

  const thresholdMap = parse(thresholdsSchema, thresholdsJson, 'thresholds.json');
  const extra = Object.keys(thresholdMap).filter((k) => !classes.includes(k));
  const missing = classes.filter((c) => !(c in thresholdMap));
  if (extra.length > 0 || missing.length > 0) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `thresholds.json does not match classes.txt: missing [${missing.join(', ')}], unknown [${extra.join(', ')}]`,
    );
  }
  const thresholds = classes.map((c) => thresholdMap[c] as number);

  const reference: ModelReference = parse(referenceSchema, referenceJson, 'reference.json');
  if (!sameList(reference.features, features)) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `reference.json features [${reference.features.join(', ')}] differ from features.txt [${features.join(', ')}]`,
    );
  }
  const unstated = features.filter((f) => !(f in reference.stats));
  if (unstated.length > 0) {
    throw new PfmError('CONFIG_INVALID', `reference.json has no stats for [${unstated.join(', ')}]`);
  }
  const modelSha256 = createHash('sha256').update(modelBytes).digest('hex');
  if (reference.modelSha256 !== modelSha256) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `reference.json was written for model ${reference.modelSha256.slice(0, 12)} but model.onnx is ` +
        `${modelSha256.slice(0, 12)}; the artifacts come from different training runs`,
    );
  }

  const release = await readModelRelease(dir, modelSha256);

  return {
    dir,
    modelPath,
    modelName: reference.model,
    modelVersion: modelSha256.slice(0, 12),
    modelSequence: release.sequence,
    modelSha256,
    features,
    classes,
    scaler,
    thresholds,
    reference,
  };
}

async function readArtifact(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new PfmError('CONFIG_INVALID', `cannot read model artifact ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function parse<T>(schema: z.ZodType<T>, bytes: Buffer, file: string): T {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new PfmError('CONFIG_INVALID', `${file} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new PfmError('CONFIG_INVALID', `${file} is malformed: ${problems}`);
  }
  return parsed.data;
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
