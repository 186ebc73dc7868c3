import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from '../../kernel/backoff.js';
import { PfmError } from '../../kernel/errors.js';
import { decodeStoredState, encodeStoredState } from './storedState.js';
import type { DriftStateStore, StoredDriftState } from './types.js';

const STATE_FILE = 'drift-state.json';
const LOCK_DIR = 'lock';

/**
 * DriftStateStore on a directory: atomic writes (write then rename), a lock that is a directory (mkdir is
 * atomic on local disks and on NFS/EFS), broken when older than `staleLockMs`. Shared by every shard's
 * invocation only when the directory is (EFS); a Lambda's /tmp is per execution environment.
 */
export class FileDriftStateStore implements DriftStateStore {
  constructor(
    readonly dir: string,
    private readonly options: { staleLockMs?: number; lockTimeoutMs?: number } = {},
  ) {}

  async withLock<T>(work: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    const lock = join(this.dir, LOCK_DIR);
    const staleMs = this.options.staleLockMs ?? 60_000;
    const deadline = Date.now() + (this.options.lockTimeoutMs ?? 30_000);
    for (;;) {
      try {
        await mkdir(lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        // A crashed invocation never unlocks: its lock goes stale.
        if (age > staleMs) await rm(lock, { recursive: true, force: true });
        else if (Date.now() > deadline) {
          throw new PfmError('SINK_UNAVAILABLE', `drift state lock ${lock} is held`, { retryable: true });
        } else await sleep(20 + Math.random() * 30);
      }
    }
    try {
      return await work();
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }

  async readState(): Promise<StoredDriftState | undefined> {
    const path = join(this.dir, STATE_FILE);
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    return text === undefined ? undefined : decodeStoredState(text, path);
  }

  async writeState(state: StoredDriftState): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.writeAtomic(join(this.dir, STATE_FILE), encodeStoredState(state));
  }

  private async writeAtomic(path: string, text: string): Promise<void> {
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, path);
  }
}
