import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { type DuckDbStore, openDuckDbStore } from '../../processors/store/openDuckDbStore.js';
import { DATA_DIR_FILES, latestRunDir, RUN_FILES } from '../pipeline/runFiles.js';
import { WriterLock } from '../pipeline/WriterLock.js';

/** The data directory used when neither --data nor PFM_DATA_DIR names one. */
export const DEFAULT_DATA_DIR = 'pfm-data';

/** Resolves the data directory: the flag, then PFM_DATA_DIR, then ./pfm-data. */
export function resolveDataDir(flag: string | undefined): string {
  return resolve(flag ?? process.env.PFM_DATA_DIR ?? DEFAULT_DATA_DIR);
}

/**
 * The run a reading command (top, query, ask, ui) looks at: the latest run under the data directory, or,
 * when --data names a run's own folder (or any folder holding a store), that one.
 */
export function resolveRunDir(flag: string | undefined): string {
  const dir = resolveDataDir(flag);
  return latestRunDir(dir) ?? dir;
}

/** The store file of a run folder, failing with a clear message when no run has filled it yet. */
export function existingStorePath(runDir: string): string {
  const path = join(runDir, RUN_FILES.store);
  if (!existsSync(path))
    throw new Error(
      `no run with data in ${display(runDir)}: run "npm start" first (or pass --data DIR of a run)`,
    );
  return path;
}

/** A path as short as a person would type it: relative to the working directory when inside it. */
export function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/**
 * Opens a run's store read-only. DuckDB lets one process write a file and no other open it meanwhile, so
 * while a run is still writing its store the error says which process holds it and what to do instead.
 */
export async function openRunStore(runDir: string): Promise<{ store: DuckDbStore; path: string }> {
  const path = existingStorePath(runDir);
  try {
    return { store: await openDuckDbStore(path, { readOnly: true }), path };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!/lock/i.test(message)) throw error;
    const dataDir = dirname(dirname(runDir));
    const holder = existsSync(join(dataDir, DATA_DIR_FILES.lock)) ? WriterLock.holder(dataDir) : undefined;
    throw new Error(
      `${display(path)} is still being written by ${holder ? `pid ${holder.pid} (${holder.command}), started ${holder.startedAt}` : 'a running pipeline'}; ` +
        'its live dashboard shows it, or pass --data with an earlier run folder',
      { cause: error },
    );
  }
}
