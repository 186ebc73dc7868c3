import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATA_DIR_FILES } from '../../../app/pipeline/runFiles.js';
import { DataDirInUseError, type LockHolder, WriterLock } from '../../../app/pipeline/WriterLock.js';

let dir: string | undefined;
const held: WriterLock[] = [];
afterEach(() => {
  for (const lock of held.splice(0)) lock.release();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
const dataDir = () => {
  dir = mkdtempSync(join(tmpdir(), 'pfm-lock-'));
  return dir;
};
const take = (d: string, command = 'pfm run --records 500') => {
  const lock = WriterLock.acquire(d, { command });
  held.push(lock);
  return lock;
};
const lockFile = (d: string) => join(d, DATA_DIR_FILES.lock);
const writeHolder = (d: string, holder: Partial<LockHolder>) =>
  writeFileSync(
    lockFile(d),
    JSON.stringify({
      pid: 1,
      command: 'pfm run',
      startedAt: '2026-01-05T12:00:00.000Z',
      host: hostname(),
      ...holder,
    }),
  );

/** The pid of a process that has come and gone. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(String(child.stdout));
}

describe('writer lock', () => {
  it('refuses a second writer with one line naming the first: pid, command, start time', () => {
    const d = dataDir();
    const first = take(d);
    let refusal: unknown;
    try {
      take(d, 'pfm run');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DataDirInUseError);
    const message = (refusal as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(`pid ${process.pid} (pfm run --records 500)`);
    expect(message).toContain(`started ${first.holder.startedAt}`);
    expect(WriterLock.holder(d)?.pid).toBe(process.pid);
  });

  it('is free again once released, and its file is gone', () => {
    const d = dataDir();
    take(d).release();
    expect(existsSync(lockFile(d))).toBe(false);
    expect(WriterLock.holder(d)).toBeUndefined();
    expect(take(d).holder.pid).toBe(process.pid);
  });

  it('takes over a lock left by a process that no longer runs (killed or crashed)', () => {
    const d = dataDir();
    writeHolder(d, { pid: deadPid() });
    expect(WriterLock.holder(d)).toBeUndefined();
    const lock = take(d);
    expect(JSON.parse(readFileSync(lockFile(d), 'utf8')).pid).toBe(process.pid);
    expect(lock.holder.command).toBe('pfm run --records 500');
  });

  it('takes over a lock whose pid now belongs to another process (Linux: a different start time)', () => {
    const d = dataDir();
    writeHolder(d, { pid: process.pid, processStart: '1', startedAt: '2020-01-01T00:00:00.000Z' });
    expect(existsSync('/proc/self/stat') ? WriterLock.holder(d) : undefined).toBeUndefined();
  });

  it('holds a lock from another host: its process cannot be checked from here', () => {
    const d = dataDir();
    writeHolder(d, { pid: deadPid(), host: 'elsewhere' });
    expect(() => take(d)).toThrow(/on elsewhere/);
  });

  it('never removes a lock that is not its own', () => {
    const d = dataDir();
    const lock = take(d);
    writeHolder(d, { pid: process.pid, startedAt: 'someone else' });
    lock.release();
    expect(existsSync(lockFile(d))).toBe(true);
  });
});
