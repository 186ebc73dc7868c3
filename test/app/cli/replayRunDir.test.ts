import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { main } from '../../../app/cli/main.js';
import { DATA_DIR_FILES, RUN_FILES } from '../../../app/pipeline/runFiles.js';

// `pfm run` writes each run into <data>/runs/<start time>/; `pfm replay` without --dead-letter must read the
// dead letters of the latest run there, not a <data>/dead-letter.jsonl no run writes any more.

let dataDir: string;
let out: string;
let spies: MockInstance[];
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'pfm-replay-runs-'));
  out = '';
  spies = [
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      out += `${a.join(' ')}\n`;
    }),
    vi.spyOn(console, 'error').mockImplementation(() => undefined),
  ];
});
afterEach(() => {
  for (const s of spies) s.mockRestore();
  rmSync(dataDir, { recursive: true, force: true });
});

function run(id: string): string {
  const dir = join(dataDir, DATA_DIR_FILES.runs, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, RUN_FILES.store), '');
  writeFileSync(join(dir, RUN_FILES.deadLetter), '');
  return dir;
}

describe('pfm replay on a data directory of runs', () => {
  it("reads the latest run's dead letters by default", async () => {
    run('2026-12-04T10-00-00Z');
    const latest = run('2026-12-04T11-00-00Z');
    expect(await main(['replay', '--data', dataDir, '--endpoint', 'http://127.0.0.1:9'])).toBe(0);
    expect(out).toContain(`nothing to replay in ${join(latest, RUN_FILES.deadLetter)}`);
  });

  it("reads one run's folder when --data names it", async () => {
    const earlier = run('2026-12-04T10-00-00Z');
    run('2026-12-04T11-00-00Z');
    expect(await main(['replay', '--data', earlier, '--endpoint', 'http://127.0.0.1:9'])).toBe(0);
    expect(out).toContain(`nothing to replay in ${join(earlier, RUN_FILES.deadLetter)}`);
  });
});
