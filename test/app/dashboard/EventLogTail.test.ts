import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLogTail } from '../../../app/dashboard/EventLogTail.js';
import { driftEvent } from './fixtures.js';

const dirs: string[] = [];
function tempLog(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pfm-dash-tail-'));
  dirs.push(dir);
  return join(dir, 'drift-events.jsonl');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const line = (seq: number) => `${JSON.stringify(driftEvent(seq))}\n`;
const seqs = (tail: EventLogTail) => tail.read().map((e) => e.detail.window.seq);

describe('EventLogTail', () => {
  it('has no events while the log does not exist', () => {
    expect(new EventLogTail(tempLog()).read()).toEqual([]);
  });

  it('picks up appended lines, waiting for a line the writer has not finished', () => {
    const path = tempLog();
    const tail = new EventLogTail(path);
    writeFileSync(path, line(1));
    expect(seqs(tail)).toEqual([1]);
    const second = line(2);
    appendFileSync(path, second.slice(0, 30));
    expect(seqs(tail)).toEqual([1]);
    appendFileSync(path, `${second.slice(30)}${line(3)}`);
    expect(seqs(tail)).toEqual([1, 2, 3]);
    // A line logged twice (it should not happen, the log is idempotent) is listed once.
    appendFileSync(path, line(3));
    expect(seqs(tail)).toEqual([1, 2, 3]);
  });

  it('starts over when a new run replaces the log', () => {
    const path = tempLog();
    const tail = new EventLogTail(path);
    writeFileSync(path, line(1) + line(2));
    expect(seqs(tail)).toEqual([1, 2]);
    rmSync(path);
    expect(seqs(tail)).toEqual([]);
    writeFileSync(path, line(7));
    expect(seqs(tail)).toEqual([7]);
  });
});
