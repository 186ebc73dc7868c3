import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from '../../kernel/backoff.js';
import { PfmError } from '../../kernel/errors.js';
import type { DriftStateStore, MonitorState } from './types.js';

const STATE_FILE = 'monitor-state.json';
const LOCK_DIR = 'lock';
const PARTIALS_DIR = 'partials';

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

  async readMonitorState(): Promise<MonitorState | undefined> {
    const text = await readFile(join(this.dir, STATE_FILE), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text === undefined) return undefined;
    const state = JSON.parse(text) as MonitorState;
    if (state.version !== 1)
      throw new PfmError('STORE_CORRUPT', `${STATE_FILE}: unknown version ${String(state.version)}`);
    return state;
  }

  async writeMonitorState(state: MonitorState): Promise<void> {
    await this.writeAtomic(join(this.dir, STATE_FILE), JSON.stringify(state));
  }

  async putPartial(windowKey: string, shardId: string, encoded: string): Promise<void> {
    const dir = join(this.dir, PARTIALS_DIR, safeName(windowKey));
    await mkdir(dir, { recursive: true });
    await this.writeAtomic(join(dir, `${safeName(shardId)}.json`), encoded);
  }

  async partials(windowKey: string): Promise<string[]> {
    const dir = join(this.dir, PARTIALS_DIR, safeName(windowKey));
    const files = await readdir(dir).catch(() => [] as string[]);
    const jsons = files.filter((f) => f.endsWith('.json')).sort();
    return Promise.all(jsons.map((f) => readFile(join(dir, f), 'utf8')));
  }

  async deletePartials(windowKey: string): Promise<void> {
    await rm(join(this.dir, PARTIALS_DIR, safeName(windowKey)), { recursive: true, force: true });
  }

  private async writeAtomic(path: string, text: string): Promise<void> {
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, path);
  }
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}
