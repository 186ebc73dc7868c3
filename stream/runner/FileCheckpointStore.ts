import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RUNNER_ERROR_CODES, RunnerError } from './errors.js';
import type { CheckpointStore } from './types.js';

interface CheckpointFile {
  version: 1;
  /** stream name -> shard id -> last handled sequence number */
  streams: Record<string, Record<string, string>>;
}

/** Checkpoints in one JSON file, replaced atomically (temp file + rename) on every save. */
export class FileCheckpointStore implements CheckpointStore {
  private state: Promise<CheckpointFile> | undefined;
  // Saves from several shard loops are written one after another so none overwrites a newer file.
  private writes: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** The last handled sequence number of a shard, or undefined. */
  async load(streamName: string, shardId: string): Promise<string | undefined> {
    const state = await this.read();
    return state.streams[streamName]?.[shardId];
  }

  /** Stores the shard's checkpoint and resolves once the file on disk holds it. */
  async save(streamName: string, shardId: string, sequenceNumber: string): Promise<void> {
    const state = await this.read();
    const shards = state.streams[streamName] ?? {};
    shards[shardId] = sequenceNumber;
    state.streams[streamName] = shards;
    const write = this.writes.then(() => this.writeFile(state));
    this.writes = write.catch(() => undefined);
    await write;
  }

  /** Every checkpoint of a stream, by shard id. */
  async all(streamName: string): Promise<Record<string, string>> {
    const state = await this.read();
    return { ...state.streams[streamName] };
  }

  private read(): Promise<CheckpointFile> {
    this.state ??= readCheckpointFile(this.path);
    return this.state;
  }

  private async writeFile(state: CheckpointFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`);
      await rename(temp, this.path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }
}

async function readCheckpointFile(path: string): Promise<CheckpointFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, streams: {} };
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RunnerError(RUNNER_ERROR_CODES.corruptFile, `checkpoint file ${path} is not JSON`, false, {
      cause: err,
    });
  }
  if (!isCheckpointFile(parsed)) {
    throw new RunnerError(
      RUNNER_ERROR_CODES.corruptFile,
      `checkpoint file ${path} does not hold { version: 1, streams: { [stream]: { [shardId]: sequenceNumber } } }`,
    );
  }
  return parsed;
}

function isCheckpointFile(value: unknown): value is CheckpointFile {
  if (typeof value !== 'object' || value === null) return false;
  const { version, streams } = value as { version?: unknown; streams?: unknown };
  if (version !== 1 || typeof streams !== 'object' || streams === null) return false;
  return Object.values(streams).every(
    (shards) =>
      typeof shards === 'object' &&
      shards !== null &&
      Object.values(shards).every((seq) => typeof seq === 'string' && /^\d+$/.test(seq)),
  );
}
