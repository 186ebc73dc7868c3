import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RUNNER_ERROR_CODES, RunnerError } from './errors.js';
import type { CheckpointStore, StoredCheckpoints, StreamIdentity } from './types.js';

/** One stream's checkpoints in the file, under its ARN. */
interface StreamEntry {
  streamName: string;
  /** The stream's creation time: a stream created again under the same ARN starts with no checkpoints. */
  createdAt: string;
  /** shard id -> last handled sequence number */
  shards: Record<string, string>;
}

interface CheckpointFile {
  version: 2;
  /** stream ARN (or `name:<stream name>` when the service reports no ARN) -> its checkpoints */
  streams: Record<string, StreamEntry>;
  /**
   * Checkpoints carried over from a version 1 file, which keyed them by stream name alone; the first run on a
   * stream of that name adopts them.
   */
  unidentified?: Record<string, Record<string, string>>;
}

/** The version 1 layout: stream name -> shard id -> last handled sequence number. */
interface CheckpointFileV1 {
  version: 1;
  streams: Record<string, Record<string, string>>;
}

const keyOf = (stream: StreamIdentity): string => stream.streamArn || `name:${stream.streamName}`;

/** Checkpoints in one JSON file, keyed by stream identity (ARN and creation time), replaced atomically on every save. */
export class FileCheckpointStore implements CheckpointStore {
  private state: Promise<CheckpointFile> | undefined;
  // Saves from several shard loops are written one after another so none overwrites a newer file.
  private writes: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** The stream's checkpoints; those of an earlier stream with the same ARN are reported as replaced. */
  async load(stream: StreamIdentity): Promise<StoredCheckpoints> {
    const state = await this.read();
    const key = keyOf(stream);
    const entry = state.streams[key];
    if (entry === undefined) {
      const legacy = state.unidentified?.[stream.streamName];
      if (legacy === undefined) return { shards: {} };
      // A version 1 file knew streams by name only: its checkpoints go to the first stream of that name.
      state.streams[key] = { streamName: stream.streamName, createdAt: stream.createdAt, shards: legacy };
      delete state.unidentified?.[stream.streamName];
      return { shards: { ...legacy } };
    }
    if (entry.createdAt !== stream.createdAt) {
      return {
        shards: {},
        replaced: { createdAt: entry.createdAt, shards: Object.keys(entry.shards).length },
      };
    }
    return { shards: { ...entry.shards } };
  }

  /** Stores the shard's checkpoint and resolves once the file on disk holds it. */
  async save(stream: StreamIdentity, shardId: string, sequenceNumber: string): Promise<void> {
    const state = await this.read();
    const key = keyOf(stream);
    let entry = state.streams[key];
    if (entry === undefined || entry.createdAt !== stream.createdAt) {
      entry = { streamName: stream.streamName, createdAt: stream.createdAt, shards: {} };
      state.streams[key] = entry;
    }
    entry.shards[shardId] = sequenceNumber;
    const text = `${JSON.stringify(state, null, 2)}\n`;
    const write = this.writes.then(() => this.writeFile(text));
    this.writes = write.catch(() => undefined);
    await write;
  }

  private read(): Promise<CheckpointFile> {
    this.state ??= readCheckpointFile(this.path);
    return this.state;
  }

  private async writeFile(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temp, text);
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
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 2, streams: {} };
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
  if (isCheckpointFile(parsed)) return parsed;
  if (isCheckpointFileV1(parsed)) return { version: 2, streams: {}, unidentified: parsed.streams };
  throw new RunnerError(
    RUNNER_ERROR_CODES.corruptFile,
    `checkpoint file ${path} does not hold { version: 2, streams: { [streamArn]: { streamName, createdAt, shards: { [shardId]: sequenceNumber } } } }`,
  );
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

function isShardMap(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((seq) => typeof seq === 'string' && /^\d+$/.test(seq));
}

function isCheckpointFile(value: unknown): value is CheckpointFile {
  if (!isRecord(value) || value.version !== 2 || !isRecord(value.streams)) return false;
  if (
    value.unidentified !== undefined &&
    !(isRecord(value.unidentified) && Object.values(value.unidentified).every(isShardMap))
  )
    return false;
  return Object.values(value.streams).every(
    (entry) =>
      isRecord(entry) &&
      typeof entry.streamName === 'string' &&
      typeof entry.createdAt === 'string' &&
      isShardMap(entry.shards),
  );
}

function isCheckpointFileV1(value: unknown): value is CheckpointFileV1 {
  return (
    isRecord(value) &&
    value.version === 1 &&
    isRecord(value.streams) &&
    Object.values(value.streams).every(isShardMap)
  );
}
