import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RUNNER_ERROR_CODES, RunnerError } from './errors.js';
import type { DeadLetterEntry, DeadLetterSink } from './types.js';

/** One line of the dead-letter file: the entry with its bytes in base64. */
interface DeadLetterLine extends Omit<DeadLetterEntry, 'data' | 'condition'> {
  data: string;
  condition?: DeadLetterEntry['condition'];
}

/** Dead letters appended to a JSON-lines file, one entry a line, raw record bytes in base64. */
export class FileDeadLetter implements DeadLetterSink {
  private writes: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Appends the entries and resolves once they are written. */
  async put(entries: readonly DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const text = entries.map((entry) => `${JSON.stringify(toLine(entry))}\n`).join('');
    const write = this.writes.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, text);
    });
    this.writes = write.catch(() => undefined);
    await write;
  }

  /** Every entry in the file, in the order written; an absent file holds none. */
  async read(): Promise<DeadLetterEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, i) => fromLine(line, `${this.path}:${i + 1}`));
  }
}

function toLine(entry: DeadLetterEntry): DeadLetterLine {
  return {
    streamName: entry.streamName,
    shardId: entry.shardId,
    sequenceNumber: entry.sequenceNumber,
    partitionKey: entry.partitionKey,
    data: Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength).toString('base64'),
    condition: entry.condition,
    reason: entry.reason,
    attempts: entry.attempts,
    time: entry.time,
  };
}

function fromLine(line: string, where: string): DeadLetterEntry {
  let parsed: DeadLetterLine;
  try {
    parsed = JSON.parse(line) as DeadLetterLine;
  } catch (err) {
    throw new RunnerError(RUNNER_ERROR_CODES.corruptFile, `${where} is not JSON`, false, { cause: err });
  }
  if (typeof parsed.data !== 'string' || typeof parsed.sequenceNumber !== 'string') {
    throw new RunnerError(RUNNER_ERROR_CODES.corruptFile, `${where} is not a dead-letter entry`);
  }
  // Lines written before conditions were recorded were all retries given up on.
  return {
    ...parsed,
    condition: parsed.condition ?? 'RetryAttemptsExhausted',
    data: new Uint8Array(Buffer.from(parsed.data, 'base64')),
  };
}
