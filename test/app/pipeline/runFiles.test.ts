import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assertFreshRunDir,
  createRunDir,
  latestRunDir,
  listRunDirs,
  RUN_FILES,
  runId,
  runPaths,
} from '../../../app/pipeline/runFiles.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
const tempDir = () => {
  dir = mkdtempSync(join(tmpdir(), 'pfm-runfiles-'));
  return dir;
};

describe('run files', () => {
  it('puts every file of a run in its folder', () => {
    const paths = runPaths('/data/run');
    expect(Object.keys(paths).sort()).toEqual(Object.keys(RUN_FILES).sort());
    expect(paths.deadLetter).toBe('/data/run/dead-letter.jsonl');
    expect(paths.store).toBe('/data/run/pfm.duckdb');
    expect(new Set(Object.values(paths)).size).toBe(Object.keys(RUN_FILES).length);
  });

  it('names a run folder by its start time in UTC, with no colon', () => {
    expect(runId(Date.UTC(2026, 0, 5, 12, 3, 4, 567))).toBe('2026-01-05T12-03-04Z');
  });

  it('makes a new folder per run, never reusing one, even within the same second', () => {
    const data = tempDir();
    const at = Date.UTC(2026, 0, 5, 12);
    const first = createRunDir(data, at);
    const second = createRunDir(data, at);
    expect(first.id).toBe('2026-01-05T12-00-00Z');
    expect(second.id).toBe('2026-01-05T12-00-00Z-2');
    expect(readdirSync(join(data, 'runs')).sort()).toEqual([first.id, second.id]);
  });

  it('finds the latest run that has a store, in start order (-10 after -9)', () => {
    const data = tempDir();
    const at = Date.UTC(2026, 0, 5, 12);
    const made = Array.from({ length: 11 }, () => createRunDir(data, at).dir);
    createRunDir(data, at - 3_600_000);
    expect(listRunDirs(data).map((d) => d.split('/').pop())).toEqual([
      '2026-01-05T11-00-00Z',
      '2026-01-05T12-00-00Z',
      ...Array.from({ length: 10 }, (_, i) => `2026-01-05T12-00-00Z-${i + 2}`),
    ]);
    expect(latestRunDir(data)).toBeUndefined();
    for (const d of made.slice(0, 10)) writeFileSync(join(d, RUN_FILES.store), 'x');
    // The newest folder has no store yet (a run just starting): the latest one with data is taken.
    expect(latestRunDir(data)).toBe(made[9]);
  });

  it("refuses a folder that holds a run's store, and takes one that does not", () => {
    const run = join(tempDir(), 'r');
    mkdirSync(run);
    expect(() => assertFreshRunDir(runPaths(run))).not.toThrow();
    writeFileSync(join(run, RUN_FILES.store), 'x');
    expect(() => assertFreshRunDir(runPaths(run))).toThrow(
      /already holds a run's data; a run never overwrites one/,
    );
    expect(existsSync(join(run, RUN_FILES.store))).toBe(true);
  });
});
