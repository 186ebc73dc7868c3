import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { STORE_FILE } from '../../processors/store/constants.js';

/** The data directory used when neither --data nor PFM_DATA_DIR names one. */
export const DEFAULT_DATA_DIR = 'pfm-data';

/** Resolves the data directory: the flag, then PFM_DATA_DIR, then ./pfm-data. */
export function resolveDataDir(flag: string | undefined): string {
  return resolve(flag ?? process.env.PFM_DATA_DIR ?? DEFAULT_DATA_DIR);
}

/** The store file of a data directory, failing with a clear message when no run has filled it yet. */
export function existingStorePath(dataDir: string): string {
  const path = join(dataDir, STORE_FILE);
  if (!existsSync(path))
    throw new Error(`no store at ${path}: run "npm start" (or pass --data DIR of a finished run)`);
  return path;
}
