import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PfmError } from '../../kernel/errors.js';
import { DEFAULT_ARTIFACTS_DIR, loadModelArtifacts } from '../../model/artifacts.js';
import { FEATURE_NAMES } from '../../model/features.js';

const tempDirs: string[] = [];

/** A copy of the committed artifacts with one file rewritten. */
async function corrupted(file: string, edit: (text: string) => string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pfm-artifacts-'));
  tempDirs.push(dir);
  await cp(DEFAULT_ARTIFACTS_DIR, dir, { recursive: true });
  const path = join(dir, file);
  await writeFile(path, edit(await readFile(path, 'utf8')));
  return dir;
}

function editJson(edit: (json: Record<string, unknown>) => void): (text: string) => string {
  return (text) => {
    const json = JSON.parse(text) as Record<string, unknown>;
    edit(json);
    return JSON.stringify(json);
  };
}

afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('loadModelArtifacts on the committed artifacts', () => {
  it('loads a consistent set', async () => {
    const a = await loadModelArtifacts();
    expect(a.dir).toBe(DEFAULT_ARTIFACTS_DIR);
    expect(a.features).toEqual(FEATURE_NAMES);
    expect(a.classes).toEqual(['TWF', 'HDF', 'PWF', 'OSF', 'RNF', 'ANY']);
    expect(a.scaler.features).toEqual(a.features);
    expect(a.scaler.mean).toHaveLength(a.features.length);
    expect(a.scaler.scale).toHaveLength(a.features.length);
    expect(a.scaler.scale.every((s) => s > 0)).toBe(true);
    expect(a.thresholds).toHaveLength(a.classes.length);
    expect(a.thresholds.every((t) => t >= 0 && t <= 1)).toBe(true);
    expect(a.reference.features).toEqual(a.features);
    expect(a.modelName).toBe('pfm-failure-nam');
  });

  it('versions the model by the first 12 hex chars of its sha256', async () => {
    const a = await loadModelArtifacts();
    const sha = createHash('sha256')
      .update(await readFile(a.modelPath))
      .digest('hex');
    expect(a.modelSha256).toBe(sha);
    expect(a.modelVersion).toBe(sha.slice(0, 12));
  });

  it('has reference statistics the drift monitor can use for every feature', async () => {
    const a = await loadModelArtifacts();
    a.features.forEach((f, j) => {
      const s = a.reference.stats[f];
      expect(s, f).toBeDefined();
      if (!s) return;
      expect(s.std).toBeCloseTo(a.scaler.scale[j] as number, 9);
      expect(s.mean).toBeCloseTo(a.scaler.mean[j] as number, 9);
      expect(s.binEdges).toHaveLength(9);
      expect([...s.binEdges].sort((x, y) => x - y)).toEqual(s.binEdges);
      expect(s.proportions.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
      expect(s.min).toBeLessThanOrEqual(s.binEdges[0] as number);
      expect(s.max).toBeGreaterThanOrEqual(s.binEdges[8] as number);
    });
  });
});

describe('loadModelArtifacts refuses artifacts that do not belong together', () => {
  const CASES: {
    name: string;
    file: string;
    edit: (text: string) => string;
    code: string;
    message: RegExp;
  }[] = [
    {
      name: 'features.txt differs from the feature code',
      file: 'features.txt',
      edit: (t) => t.replace('power_w', 'power_kw'),
      code: 'MODEL_MISMATCH',
      message: /features\.txt .*power_kw/,
    },
    {
      name: 'features.txt in another order',
      file: 'features.txt',
      edit: (t) => {
        const [a, b, ...rest] = t.trim().split('\n');
        return [b, a, ...rest].join('\n');
      },
      code: 'MODEL_MISMATCH',
      message: /features\.txt/,
    },
    {
      name: 'scaler with a missing mean',
      file: 'scaler.json',
      edit: editJson((j) => {
        (j.mean as number[]).pop();
      }),
      code: 'MODEL_MISMATCH',
      message: /scaler\.json has 10 means and 11 scales for 11 features/,
    },
    {
      name: 'scaler for other features',
      file: 'scaler.json',
      edit: editJson((j) => {
        (j.features as string[])[0] = 'ambient_k';
      }),
      code: 'MODEL_MISMATCH',
      message: /scaler\.json features/,
    },
    {
      name: 'a zero scale',
      file: 'scaler.json',
      edit: editJson((j) => {
        (j.scale as number[])[2] = 0;
      }),
      code: 'CONFIG_INVALID',
      message: /scaler\.json is malformed: scale\.2/,
    },
    {
      name: 'thresholds missing a class',
      file: 'thresholds.json',
      edit: editJson((j) => {
        delete j.OSF;
      }),
      code: 'MODEL_MISMATCH',
      message: /missing \[OSF\]/,
    },
    {
      name: 'a class twice in classes.txt',
      file: 'classes.txt',
      edit: (t) => `${t}ANY\n`,
      code: 'CONFIG_INVALID',
      message: /repeats a class/,
    },
    {
      name: 'reference.json from another model',
      file: 'reference.json',
      edit: editJson((j) => {
        j.modelSha256 = '0'.repeat(64);
      }),
      code: 'MODEL_MISMATCH',
      message: /reference\.json was written for model 000000000000/,
    },
    {
      name: 'scaler.json that is not JSON',
      file: 'scaler.json',
      edit: (t) => t.slice(0, 20),
      code: 'CONFIG_INVALID',
      message: /scaler\.json is not JSON/,
    },
  ];

  it.each(CASES)('$name', async ({ file, edit, code, message }) => {
    const dir = await corrupted(file, edit);
    const error = await loadModelArtifacts(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PfmError);
    expect((error as PfmError).code).toBe(code);
    expect((error as PfmError).message).toMatch(message);
  });

  it('names the missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pfm-artifacts-'));
    tempDirs.push(dir);
    const error = await loadModelArtifacts(dir).catch((e: unknown) => e);
    expect((error as PfmError).code).toBe('CONFIG_INVALID');
    expect((error as PfmError).message).toContain(join(dir, 'model.onnx'));
  });
});
