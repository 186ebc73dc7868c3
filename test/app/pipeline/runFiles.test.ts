import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clearPreviousRun, RUN_FILES, runPaths } from '../../../app/pipeline/runFiles.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('run files', () => {
  it('puts every file of a run in the data directory', () => {
    const paths = runPaths('/data/run');
    expect(Object.keys(paths).sort()).toEqual(Object.keys(RUN_FILES).sort());
    expect(paths.deadLetter).toBe('/data/run/dead-letter.jsonl');
    expect(paths.store).toBe('/data/run/pfm.duckdb');
    expect(new Set(Object.values(paths)).size).toBe(Object.keys(RUN_FILES).length);
  });

  it("clears an earlier run's store, checkpoints, dead letters and events, and keeps the calibration cache and the log", () => {
    dir = mkdtempSync(join(tmpdir(), 'pfm-runfiles-'));
    const calibration = 'drift-calibration-50x1000-3000-20260101-0123456789ab.json';
    const kept = [calibration, RUN_FILES.kinesisLocalLog, 'notes.txt'];
    for (const file of [...Object.values(RUN_FILES), ...kept]) writeFileSync(join(dir, file), 'x');
    clearPreviousRun(runPaths(dir));
    expect(readdirSync(dir).sort()).toEqual([...kept].sort());
  });

  it('clears a data directory that holds only part of a run, or nothing', () => {
    dir = mkdtempSync(join(tmpdir(), 'pfm-runfiles-'));
    writeFileSync(join(dir, RUN_FILES.checkpoints), '{}');
    expect(() => clearPreviousRun(runPaths(dir as string))).not.toThrow();
    expect(existsSync(join(dir, RUN_FILES.checkpoints))).toBe(false);
  });
});
