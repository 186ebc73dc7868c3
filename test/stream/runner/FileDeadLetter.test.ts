import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileDeadLetter } from '../../../stream/runner/FileDeadLetter.js';
import type { DeadLetterEntry } from '../../../stream/runner/types.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dead-letter-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileDeadLetter', () => {
  const entry = (sequenceNumber: string, data: number[]): DeadLetterEntry => ({
    streamName: 'readings',
    shardId: 'shardId-000000000000',
    sequenceNumber,
    partitionKey: 'machine-1',
    data: new Uint8Array(data),
    condition: 'RetryAttemptsExhausted',
    reason: 'batch item failure after 4 attempts',
    attempts: 4,
    time: '2026-01-01T00:00:00.000Z',
  });

  it('appends JSON lines with raw bytes in base64 and reads them back', async () => {
    const path = join(dir, 'dlq', 'dead-letter.jsonl');
    const sink = new FileDeadLetter(path);
    expect(await sink.read()).toEqual([]);
    await sink.put([entry('1', [0, 255, 128])]);
    await sink.put([entry('2', [1, 2]), entry('3', [])]);

    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ sequenceNumber: '1', data: 'AP+A', attempts: 4 });
    expect(await new FileDeadLetter(path).read()).toEqual([
      entry('1', [0, 255, 128]),
      entry('2', [1, 2]),
      entry('3', []),
    ]);
  });

  it('reads a line written before conditions were recorded as a retry given up on', async () => {
    const path = join(dir, 'dead-letter.jsonl');
    const { condition: _, ...old } = { ...entry('9', [7]), data: 'Bw==' };
    await writeFile(path, `${JSON.stringify(old)}\n`);
    expect(await new FileDeadLetter(path).read()).toEqual([entry('9', [7])]);
  });
});
