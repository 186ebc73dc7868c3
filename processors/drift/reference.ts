import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PfmError } from '../../kernel/errors.js';
import type { DriftReference, FeatureReference } from './types.js';

/** Where training writes the artifacts, relative to this file. */
export const DEFAULT_ARTIFACTS_DIR = fileURLToPath(new URL('../../model/artifacts/', import.meta.url));

const BIN_COUNT = 10;

const featureStatsSchema = z.object({
  mean: z.number(),
  std: z.number().positive(),
  min: z.number(),
  max: z.number(),
  n: z.number().int().positive(),
  binEdges: z.array(z.number()).length(BIN_COUNT - 1),
  proportions: z.array(z.number().min(0).max(1)).length(BIN_COUNT),
});

const referenceSchema = z.object({
  model: z.string().min(1),
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
  features: z.array(z.string().min(1)).min(1),
  stats: z.record(z.string(), featureStatsSchema),
});

const scalerSchema = z.object({
  features: z.array(z.string()),
  mean: z.array(z.number()),
  scale: z.array(z.number().positive()),
});

/** The raw artifact texts the reference is built from; only referenceJson and featuresTxt are required. */
export interface ReferenceSources {
  referenceJson: string;
  featuresTxt: string;
  scalerJson?: string;
  /** sha256 of the model file the monitor runs beside, checked against the one training recorded. */
  modelSha256?: string;
}

/**
 * Validates reference.json against the model's features.txt (same features, same order), scaler.json (same
 * mean and std) and the model's hash, and prepares the bin groups. Throws MODEL_MISMATCH naming the difference.
 */
export function parseDriftReference(sources: ReferenceSources): DriftReference {
  const referenceSha256 = sha256(sources.referenceJson);
  const parsed = referenceSchema.safeParse(safeJson(sources.referenceJson, 'reference.json'));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new PfmError('CONFIG_INVALID', `reference.json is malformed: ${problems}`);
  }
  const ref = parsed.data;
  const modelFeatures = sources.featuresTxt
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (modelFeatures.join(',') !== ref.features.join(',')) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `reference.json does not match the model's features.txt: the model takes [${modelFeatures.join(', ')}], ` +
        `the reference describes [${ref.features.join(', ')}]; retrain or copy the reference.json made with this model`,
    );
  }
  if (sources.modelSha256 !== undefined && sources.modelSha256 !== ref.modelSha256) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `reference.json was made for model ${ref.modelSha256.slice(0, 12)} but model.onnx is ${sources.modelSha256.slice(0, 12)}`,
    );
  }
  const scaler = sources.scalerJson === undefined ? undefined : parseScaler(sources.scalerJson);
  if (scaler && scaler.features.join(',') !== ref.features.join(',')) {
    throw new PfmError(
      'MODEL_MISMATCH',
      `scaler.json features [${scaler.features.join(', ')}] differ from the reference's`,
    );
  }

  const features = ref.features.map((name, j): FeatureReference => {
    const stats = ref.stats[name];
    if (!stats) throw new PfmError('CONFIG_INVALID', `reference.json has no stats for feature "${name}"`);
    const mean = scaler ? (scaler.mean[j] as number) : stats.mean;
    const std = scaler ? (scaler.scale[j] as number) : stats.std;
    if (!close(mean, stats.mean) || !close(std, stats.std)) {
      throw new PfmError(
        'MODEL_MISMATCH',
        `scaler.json and reference.json disagree on "${name}": mean ${mean} vs ${stats.mean}, std ${std} vs ${stats.std}`,
      );
    }
    if (stats.binEdges.some((e, i) => i > 0 && e < (stats.binEdges[i - 1] as number))) {
      throw new PfmError('CONFIG_INVALID', `reference.json bin edges of "${name}" are not sorted`);
    }
    const total = stats.proportions.reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 1e-4) {
      throw new PfmError('CONFIG_INVALID', `reference.json proportions of "${name}" sum to ${total}, not 1`);
    }
    const { binGroup, groupProportions } = groupBins(stats.proportions);
    return {
      name,
      mean,
      std,
      min: stats.min,
      max: stats.max,
      n: stats.n,
      binEdges: stats.binEdges,
      proportions: stats.proportions,
      binGroup,
      groupProportions,
    };
  });
  return {
    modelName: ref.model,
    modelSha256: ref.modelSha256,
    modelVersion: ref.modelSha256.slice(0, 12),
    referenceSha256,
    statisticsSha256: statisticsSha256(features),
    features,
  };
}

/** sha256 of the statistics a calibration depends on, in a canonical form (names, moments, bounds, bins). */
export function statisticsSha256(features: readonly FeatureReference[]): string {
  const canonical = features.map((f) => [
    f.name,
    f.mean,
    f.std,
    f.min,
    f.max,
    f.n,
    f.binEdges,
    f.proportions,
  ]);
  return sha256(JSON.stringify(canonical));
}

/** Reads reference.json, features.txt, scaler.json and model.onnx from an artifacts directory and validates them. */
export function loadDriftReference(artifactsDir: string = DEFAULT_ARTIFACTS_DIR): DriftReference {
  const read = (file: string): string => {
    const path = join(artifactsDir, file);
    if (!existsSync(path))
      throw new PfmError('CONFIG_INVALID', `${path} not found: the drift monitor needs the model's ${file}`);
    return readFileSync(path, 'utf8');
  };
  const modelPath = join(artifactsDir, 'model.onnx');
  const scalerPath = join(artifactsDir, 'scaler.json');
  return parseDriftReference({
    referenceJson: read('reference.json'),
    featuresTxt: read('features.txt'),
    ...(existsSync(scalerPath) ? { scalerJson: readFileSync(scalerPath, 'utf8') } : {}),
    ...(existsSync(modelPath) ? { modelSha256: sha256(readFileSync(modelPath)) } : {}),
  });
}

/**
 * Merges every empty reference bin into the nearest non-empty bin on its left (or, before the first one,
 * on its right): a discrete feature such as the quality ordinal has tied deciles and 7 empty bins.
 */
function groupBins(proportions: readonly number[]): { binGroup: number[]; groupProportions: number[] } {
  const binGroup: number[] = new Array(proportions.length).fill(0);
  const groupProportions: number[] = [];
  let current = -1;
  for (let b = 0; b < proportions.length; b++) {
    const p = proportions[b] as number;
    if (p > 0) {
      current++;
      groupProportions.push(p);
    }
    binGroup[b] = Math.max(current, 0);
  }
  if (groupProportions.length === 0)
    throw new PfmError('CONFIG_INVALID', 'reference proportions are all zero');
  // Renormalize: the file rounds proportions to 8 decimals.
  const total = groupProportions.reduce((a, b) => a + b, 0);
  return { binGroup, groupProportions: groupProportions.map((p) => p / total) };
}

function parseScaler(text: string): z.infer<typeof scalerSchema> {
  const parsed = scalerSchema.safeParse(safeJson(text, 'scaler.json'));
  if (!parsed.success)
    throw new PfmError('CONFIG_INVALID', `scaler.json is malformed: ${parsed.error.issues[0]?.message}`);
  const s = parsed.data;
  if (s.mean.length !== s.features.length || s.scale.length !== s.features.length) {
    throw new PfmError('CONFIG_INVALID', 'scaler.json: features, mean and scale differ in length');
  }
  return s;
}

function safeJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PfmError('CONFIG_INVALID', `${what} is not JSON: ${(error as Error).message}`);
  }
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Hex sha256 of a text or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
