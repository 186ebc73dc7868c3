import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_LOG_FILE } from '../../processors/events/LocalEventLog.js';
import { DUE_STATE_FILE } from '../../processors/forecast/FileDueStateStore.js';
import { STORE_FILE } from '../../processors/store/constants.js';

// The one place that knows where a local run keeps what. A data directory (./pfm-data by default) holds one
// folder per run under runs/, named by the run's start time so they sort in time order, the writer lock of
// whichever run is writing, and what runs share (the drift calibration cache):
//
//   pfm-data/
//     run.lock                           the running `pfm run` (pid, command, start time); absent when none runs
//     drift-calibration-....json         null spreads of the drift scores, reused by every run of the same shape
//     runs/2026-01-05T12-00-00Z/         one run: its store, checkpoints, dead letters, events, log, manifest
//
// A run never deletes or rewrites another run's files.

/** The files a local run keeps in its own folder, by name. */
export const RUN_FILES = {
  store: STORE_FILE,
  storeWal: `${STORE_FILE}.wal`,
  checkpoints: 'checkpoints.json',
  deadLetter: 'dead-letter.jsonl',
  driftCheckpoints: 'drift-checkpoints.json',
  driftDeadLetter: 'drift-dead-letter.jsonl',
  driftEvents: EVENT_LOG_FILE,
  /** At which value each drift statistic breaches (see driftLimits.ts). */
  driftLimits: 'drift-limits.json',
  /** The forecaster's MaintenanceDue events (EventBridge's stand-in, as driftEvents) and its due memory. */
  maintenanceEvents: 'maintenance-events.jsonl',
  forecastDue: DUE_STATE_FILE,
  kinesisLocalLog: 'kinesis-local.log',
  /** What the run was asked to do and how it ended (see RunManifest). */
  manifest: 'run.json',
} as const;

/** What a data directory holds besides the runs' own folders. */
export const DATA_DIR_FILES = {
  /** The folder of run folders. */
  runs: 'runs',
  /** The writer lock (see WriterLock). */
  lock: 'run.lock',
} as const;

/** The paths of a run's files in its folder. */
export type RunPaths = Record<keyof typeof RUN_FILES, string>;

/** Where each of a run's files lives in `runDir`. */
export function runPaths(runDir: string): RunPaths {
  return Object.fromEntries(
    Object.entries(RUN_FILES).map(([name, file]) => [name, join(runDir, file)]),
  ) as RunPaths;
}

/** A run folder's name: its start time in UTC, sortable, with no character a file system refuses. */
export function runId(startedAt: number): string {
  return new Date(startedAt)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(':', '-');
}

/**
 * Creates a new, empty folder for a run under `dataDir`/runs, named by `startedAt` (with -2, -3, ... when a
 * run started in the same second); returns its id and path. Never reuses a folder.
 */
export function createRunDir(dataDir: string, startedAt: number): { id: string; dir: string } {
  const runs = join(dataDir, DATA_DIR_FILES.runs);
  mkdirSync(runs, { recursive: true });
  const base = runId(startedAt);
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    const dir = join(runs, id);
    try {
      mkdirSync(dir);
      return { id, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** The run folders under `dataDir`, oldest first. */
export function listRunDirs(dataDir: string): string[] {
  const runs = join(dataDir, DATA_DIR_FILES.runs);
  if (!existsSync(runs)) return [];
  return readdirSync(runs, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(compareRunIds)
    .map((name) => join(runs, name));
}

/** The folder of the latest run under `dataDir` that has a store, or undefined when none has. */
export function latestRunDir(dataDir: string): string | undefined {
  return listRunDirs(dataDir)
    .reverse()
    .find((dir) => existsSync(join(dir, RUN_FILES.store)));
}

/**
 * Refuses a folder that already holds a run's store: a run writes only into a folder of its own, so it can
 * neither mix its counts with another's nor destroy them.
 */
export function assertFreshRunDir(paths: RunPaths): void {
  if (existsSync(paths.store)) {
    throw new Error(
      `${paths.store} already holds a run's data; a run never overwrites one (use a new folder, e.g. "pfm run", which makes one per run)`,
    );
  }
}

/** Orders run ids by start time, then by their same-second suffix (-2 after the bare id, -10 after -9). */
function compareRunIds(a: string, b: string): number {
  const [baseA, nA] = splitRunId(a);
  const [baseB, nB] = splitRunId(b);
  return baseA < baseB ? -1 : baseA > baseB ? 1 : nA - nB;
}

function splitRunId(name: string): [string, number] {
  const match = /^(.*Z)-(\d+)$/.exec(name);
  return match ? [match[1] as string, Number(match[2])] : [name, 1];
}
