import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { replayCommand } from '../../../app/cli/replay.js';
import { poisonRecord } from '../../../app/pipeline/poison.js';
import { RUN_FILES } from '../../../app/pipeline/runFiles.js';
import { parseFailureRecords } from '../../../app/replay/failureRecords.js';
import { openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { encodeReading } from '../../../schemas/codec/readingCodec.js';
import { KinesisWriter } from '../../../stream/kinesis/KinesisWriter.js';
import { EventSourceRunner } from '../../../stream/runner/EventSourceRunner.js';
import { FileCheckpointStore } from '../../../stream/runner/FileCheckpointStore.js';
import { FileDeadLetter } from '../../../stream/runner/FileDeadLetter.js';
import { makeReading } from '../../fixtures/codec/readings.js';
import { useKinesisLocal } from '../../helpers/kinesisLocal.js';

const kinesis = useKinesisLocal();
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pfm-replay-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Writes `readings` good readings over 4 machines and `poison` poison records; returns the stream. */
async function fillStream(readings: number, poison: number) {
  const { streamName, streamArn } = await kinesis.freshStream(2);
  const base = Date.UTC(2026, 0, 1);
  const entries = Array.from({ length: readings + poison }, (_, i) => {
    const reading = makeReading({
      deviceId: `M-${i % 4}`,
      timestamp: base + i * 1000,
      sequenceNumber: i + 1,
    });
    return {
      data: i < readings ? encodeReading(reading) : poisonRecord(reading, 'truncated'),
      partitionKey: reading.deviceId,
    };
  });
  const written = await new KinesisWriter({ client: kinesis.client, streamName }).write(entries);
  expect(written.written).toBe(readings + poison);
  return { streamName, streamArn };
}

/** Runs the real runner over the stream with a store that refuses every batch: everything is dead-lettered. */
async function deadLetterEverything(streamName: string, dataDir: string, total: number): Promise<void> {
  let deadLettered = 0;
  const runner = new EventSourceRunner({
    client: kinesis.client,
    streamName,
    handler: async () => {
      throw new Error('store refused the write (ECONNREFUSED)');
    },
    batchSize: 7,
    maxRetryAttempts: 0,
    retryDelayMs: 1,
    pollIntervalMs: 20,
    startingPosition: 'TRIM_HORIZON',
    checkpointStore: new FileCheckpointStore(join(dataDir, RUN_FILES.checkpoints)),
    deadLetter: new FileDeadLetter(join(dataDir, RUN_FILES.deadLetter)),
    onBatch: (b) => {
      deadLettered += b.deadLettered;
    },
  });
  await runner.start();
  await vi.waitFor(() => expect(deadLettered).toBe(total), { timeout: 30_000, interval: 50 });
  await runner.stop();
}

async function storeCounts(dataDir: string) {
  const store = await openDuckDbStore(join(dataDir, RUN_FILES.store));
  try {
    return await store.fleetQueries.counts();
  } finally {
    await store.close();
  }
}

function captureConsole() {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  return out;
}

describe('pfm replay against kinesis-local', () => {
  it("replays the runner's dead letters from the stream into the store: every record scored or quarantined once", async () => {
    const dataDir = tempDir();
    const { streamName } = await fillStream(40, 2);
    await deadLetterEverything(streamName, dataDir, 42);
    const out = captureConsole();

    const code = await replayCommand([
      '--endpoint',
      kinesis.endpoint,
      '--data',
      dataDir,
      '--batch-size',
      '5',
    ]);

    expect(code).toBe(0);
    const counts = await storeCounts(dataDir);
    expect(counts.predictions).toBe(40);
    expect(counts.quarantined).toBe(2);
    expect(out.at(-1)).toMatch(
      /42 records in \d+ batches: 42 replayed \(40 scored, 2 quarantined\), 0 no longer on the stream, 0 still failing — all replayed/,
    );
    // Replaying again is harmless: the store keeps one row per reading.
    expect(await replayCommand(['--endpoint', kinesis.endpoint, '--data', dataDir])).toBe(0);
    expect(await storeCounts(dataDir)).toMatchObject({ predictions: 40, quarantined: 2 });
  });

  it('replays on-failure records saved from the queue, and lists what it could not read (exit 2, --remaining)', async () => {
    const dataDir = tempDir();
    const { streamName, streamArn } = await fillStream(12, 0);
    // A dead-letter pass gives the real sequence ranges; they are then written in the on-failure queue's shape.
    await deadLetterEverything(streamName, dataDir, 12);
    const entries = await new FileDeadLetter(join(dataDir, RUN_FILES.deadLetter)).read();
    const byShard = new Map<string, typeof entries>();
    for (const e of entries) byShard.set(e.shardId, [...(byShard.get(e.shardId) ?? []), e]);
    const bodies = [...byShard.entries()].map(([shardId, group]) => ({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 501 },
      version: '1.0',
      timestamp: new Date().toISOString(),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: group[0]?.sequenceNumber,
        endSequenceNumber: group.at(-1)?.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date().toISOString(),
        approximateArrivalOfLastRecord: new Date().toISOString(),
        batchSize: group.length,
        streamArn,
      },
    }));
    // And one for a shard the stream does not have (e.g. a stream deleted and created again since).
    const gone = structuredClone(bodies[0]) as (typeof bodies)[number];
    gone.KinesisBatchInfo.shardId = 'shardId-000000000042';
    const failuresFile = join(dataDir, 'failures.json');
    const receiveMessageOutput = {
      Messages: [...bodies, gone].map((b, i) => ({ MessageId: `m${i}`, Body: JSON.stringify(b) })),
    };
    writeFileSync(failuresFile, JSON.stringify(receiveMessageOutput));
    const remainingFile = join(dataDir, 'remaining.jsonl');
    const out = captureConsole();

    const code = await replayCommand([
      '--failures',
      failuresFile,
      '--endpoint',
      kinesis.endpoint,
      '--data',
      dataDir,
      '--remaining',
      remainingFile,
    ]);

    expect(code).toBe(2);
    expect((await storeCounts(dataDir)).predictions).toBe(12);
    const goneSize = gone.KinesisBatchInfo.batchSize;
    expect(out.join('\n')).toContain('Not replayed:');
    expect(out.join('\n')).toMatch(/ResourceNotFoundException/);
    expect(out.at(-1)).toContain(`${12 + goneSize} records in ${bodies.length + 1} batches: 12 replayed`);
    expect(out.at(-1)).toContain(`${goneSize} no longer on the stream`);
    const remaining = parseFailureRecords(readFileSync(remainingFile, 'utf8'), remainingFile);
    expect(remaining.map((r) => r.KinesisBatchInfo.shardId)).toEqual(['shardId-000000000042']);
  });

  it('says so when there is nothing to replay, and refuses conflicting sources', async () => {
    const dataDir = tempDir();
    const out = captureConsole();
    expect(await replayCommand(['--endpoint', kinesis.endpoint, '--data', dataDir])).toBe(0);
    expect(out.at(-1)).toMatch(/nothing to replay/);
    await expect(replayCommand(['--failures', 'a', '--dead-letter', 'b'])).rejects.toThrow(/not both/);
    await expect(replayCommand(['--dead-letter', join(dataDir, 'none.jsonl')])).rejects.toThrow(
      /no dead-letter file/,
    );
  });
});
