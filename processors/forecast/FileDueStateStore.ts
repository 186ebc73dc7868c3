import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PfmError } from '../../kernel/errors.js';
import type { DueMemory } from './dueState.js';
import type { DueStateStore, StoredDueMemory } from './types.js';

/** The file name of the local due memory inside a run folder. */
export const DUE_STATE_FILE = 'forecast-due.json';

/**
 * DueStateStore on a JSON file (one run folder's): written atomically (write, then rename), with the revision
 * checked against the file before the rename. One process writes a run folder (the run's writer lock), so the
 * check catches a stale reader, not a race between writers.
 */
export class FileDueStateStore implements DueStateStore {
  constructor(readonly path: string) {}

  async load(): Promise<StoredDueMemory> {
    const text = await readFile(this.path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text === undefined) return { machines: {}, revision: 0 };
    try {
      const parsed = JSON.parse(text) as Partial<StoredDueMemory>;
      if (
        typeof parsed.revision !== 'number' ||
        typeof parsed.machines !== 'object' ||
        parsed.machines === null
      ) {
        throw new Error('expected { revision, machines }');
      }
      return { machines: parsed.machines as Record<string, DueMemory>, revision: parsed.revision };
    } catch (error) {
      throw new PfmError(
        'STORE_CORRUPT',
        `${this.path}: not a due memory file: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  async save(machines: Record<string, DueMemory>, expectedRevision: number): Promise<void> {
    const current = await this.load();
    if (current.revision !== expectedRevision) {
      throw new PfmError(
        'SINK_UNAVAILABLE',
        `${this.path}: the due memory is at revision ${current.revision}, not ${expectedRevision} (saved by another cycle)`,
        { retryable: true },
      );
    }
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ revision: expectedRevision + 1, machines }, null, 1)}\n`);
    await rename(tmp, this.path);
  }
}
