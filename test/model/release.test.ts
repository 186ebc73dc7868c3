import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ARTIFACTS_DIR, loadModelArtifacts } from '../../model/artifacts.js';
import { RELEASE_FILE } from '../../model/release.js';

const dirs: string[] = [];
async function copyWith(release: string | undefined): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pfm-release-'));
  dirs.push(dir);
  await cp(DEFAULT_ARTIFACTS_DIR, dir, { recursive: true });
  if (release === undefined) await rm(join(dir, RELEASE_FILE));
  else await writeFile(join(dir, RELEASE_FILE), release);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('release.json: the model sequence the stores order predictions by', () => {
  it('the committed artifacts carry sequence 2 (the physics-heads model; 1 was the NAM before it)', async () => {
    const artifacts = await loadModelArtifacts();
    expect(artifacts.modelSequence).toBe(2);
  });

  it('a retrained model.onnx still carrying the old release is refused, naming the next sequence', async () => {
    const dir = await copyWith(JSON.stringify({ sequence: 4, modelSha256: 'a'.repeat(64) }));
    await expect(loadModelArtifacts(dir)).rejects.toMatchObject({
      code: 'MODEL_MISMATCH',
      message: expect.stringMatching(/a new model needs the next sequence, write \{"sequence": 5, /),
    });
  });

  it.each([
    ['missing', undefined, /cannot read model artifact .*release\.json/],
    ['not JSON', '{', /release\.json is not JSON/],
    ['a sequence of 0', JSON.stringify({ sequence: 0, modelSha256: 'a'.repeat(64) }), /sequence/],
    ['an extra key', JSON.stringify({ sequence: 1, modelSha256: 'a'.repeat(64), v: 2 }), /Unrecognized key/],
  ])('a release.json that is %s is CONFIG_INVALID', async (_, text, message) => {
    const dir = await copyWith(text);
    await expect(loadModelArtifacts(dir)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message });
  });
});
