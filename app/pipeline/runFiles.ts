import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_LOG_FILE } from '../../processors/drift/LocalEventLog.js';
import { STORE_FILE } from '../../processors/store/constants.js';

/** The files a local run keeps in its data directory, by name. */
export const RUN_FILES = {
  store: STORE_FILE,
  storeWal: `${STORE_FILE}.wal`,
  checkpoints: 'checkpoints.json',
  deadLetter: 'dead-letter.jsonl',
  driftCheckpoints: 'drift-checkpoints.json',
  driftDeadLetter: 'drift-dead-letter.jsonl',
  driftEvents: EVENT_LOG_FILE,
  kinesisLocalLog: 'kinesis-local.log',
} as const;

/** The paths of a run's files in `dataDir`. */
export type RunPaths = Record<keyof typeof RUN_FILES, string>;

/** Where each of a run's files lives in `dataDir`. */
export function runPaths(dataDir: string): RunPaths {
  return Object.fromEntries(
    Object.entries(RUN_FILES).map(([name, file]) => [name, join(dataDir, file)]),
  ) as RunPaths;
}

/**
 * Removes what an earlier run left, so counts, checkpoints and events are this run's alone. The drift
 * calibration cache stays (it is valid across runs), and kinesis-local's log keeps growing (it is a log).
 */
export function clearPreviousRun(paths: RunPaths): void {
  for (const path of [
    paths.store,
    paths.storeWal,
    paths.checkpoints,
    paths.deadLetter,
    paths.driftCheckpoints,
    paths.driftDeadLetter,
    paths.driftEvents,
  ]) {
    rmSync(path, { force: true });
  }
}
