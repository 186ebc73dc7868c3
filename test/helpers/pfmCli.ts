import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What one run of the CLI gave. */
export interface PfmRun {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bin/pfm.js args` in a child process to its end, from the project root. Asynchronous on purpose: a
 * synchronous child (spawnSync) or a long in-process computation blocks the test worker's event loop, and a
 * worker blocked past a minute makes vitest's worker-to-runner calls time out ("Timeout calling onTaskUpdate"),
 * which fails the whole run.
 */
export function runPfm(args: readonly string[]): Promise<PfmRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/pfm.js', ...args],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ status, stdout, stderr });
      },
    );
  });
}
