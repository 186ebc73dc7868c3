import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { DATA_DIR_FILES } from './runFiles.js';

/** Who holds a data directory's writer lock: enough for a person to find the process and decide. */
export interface LockHolder {
  pid: number;
  /** The command line, as a person would type it. */
  command: string;
  /** ISO-8601 start time. */
  startedAt: string;
  host: string;
  /** The run folder it writes (when it has one yet). */
  runDir?: string;
  /** Linux: the process's start time in clock ticks after boot (/proc/PID/stat), so a reused pid is not taken for it. */
  processStart?: string;
}

/** A second writer refused: the message is one line naming the running one. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    const rel = relative(process.cwd(), dataDir);
    super(
      `${rel && !rel.startsWith('..') ? rel : dataDir} is in use by another run: pid ${holder.pid} (${holder.command}) on ${holder.host}, started ${holder.startedAt}; ` +
        'wait for it to finish or stop it (Ctrl-C), or give this run another --data DIR',
    );
  }
}

/**
 * One writer per data directory. `acquire` creates the lock file atomically (a hard link of a complete temp
 * file, so no one ever reads half a lock) and throws DataDirInUseError while another live process holds it;
 * a lock left by a process that no longer exists (killed, crashed) is taken over. `release` removes it only
 * if it is still ours; it also goes when the process exits.
 */
export class WriterLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly path: string,
    readonly holder: LockHolder,
  ) {
    process.once('exit', this.onExit);
  }

  /** Takes the writer lock of `dataDir` (created if missing) for this process. */
  static acquire(dataDir: string, info: { command: string; runDir?: string }): WriterLock {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, DATA_DIR_FILES.lock);
    const processStart = processStartOf(process.pid);
    const holder: LockHolder = {
      pid: process.pid,
      command: info.command,
      startedAt: new Date().toISOString(),
      host: hostname(),
      ...(info.runDir ? { runDir: info.runDir } : {}),
      ...(processStart ? { processStart } : {}),
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryCreate(path, holder)) return new WriterLock(path, holder);
      const current = readHolder(path);
      if (current === undefined) continue; // released meanwhile: try again
      if (isAlive(current)) throw new DataDirInUseError(dataDir, current);
      takeOverStale(path, current);
    }
    const current = readHolder(path);
    if (current) throw new DataDirInUseError(dataDir, current);
    throw new Error(`could not take the writer lock ${path}`);
  }

  /** Who holds the lock of `dataDir` now, if a live process does. */
  static holder(dataDir: string): LockHolder | undefined {
    const current = readHolder(join(dataDir, DATA_DIR_FILES.lock));
    return current && isAlive(current) ? current : undefined;
  }

  /** Removes the lock file if it is still this process's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    const current = readHolder(this.path);
    if (current?.pid === this.holder.pid && current.startedAt === this.holder.startedAt) {
      rmSync(this.path, { force: true });
    }
  }
}

function tryCreate(path: string, holder: LockHolder): boolean {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, `${JSON.stringify(holder)}\n`);
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function readHolder(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as LockHolder;
    if (Number.isSafeInteger(value.pid)) return value;
  } catch {
    // Not ours (the lock file is only ever written whole): fall through.
  }
  return { pid: 0, command: 'unknown (unreadable lock file)', startedAt: 'unknown', host: 'unknown' };
}

/** Whether the process a lock names still runs. A lock from another host cannot be checked, so it holds. */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (!(holder.pid > 0)) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The pid exists; on Linux, make sure it is the same process and not a later one given the same pid.
  const start = processStartOf(holder.pid);
  return !(holder.processStart && start && start !== holder.processStart);
}

/** Moves a dead holder's lock aside (atomically, so two takers cannot both remove a fresh lock). */
function takeOverStale(path: string, stale: LockHolder): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  if (moved && (moved.pid !== stale.pid || moved.startedAt !== stale.startedAt)) {
    // Someone took the lock over between our read and our rename: give theirs back.
    try {
      linkSync(aside, path);
    } catch {
      // Another lock is there already; theirs is gone, and the next attempt sees the new one.
    }
  }
  rmSync(aside, { force: true });
}

/** Field 22 of /proc/PID/stat (start time after boot), or undefined off Linux or when unreadable. */
function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
