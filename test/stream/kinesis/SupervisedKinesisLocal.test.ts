import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import { createKinesisClient, ensureStream } from '../../../stream/kinesis/client.js';
import { KINESIS_LOCAL_DATA_FILE } from '../../../stream/kinesis/KinesisLocal.js';
import { type EngineEvent, SupervisedKinesisLocal } from '../../../stream/kinesis/SupervisedKinesisLocal.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a supervised engine with its streams in a fresh folder, writes records a, b, c and waits until it has saved them. */
async function engineWithRecords(maxRestarts?: number): Promise<{
  engine: SupervisedKinesisLocal;
  events: EngineEvent[];
}> {
  const persistDir = await mkdtemp(join(tmpdir(), 'supervised-kinesis-local-'));
  cleanups.push(() => rm(persistDir, { recursive: true, force: true }));
  const events: EngineEvent[] = [];
  const engine = await SupervisedKinesisLocal.start({
    persistDir,
    ...(maxRestarts === undefined ? {} : { maxRestarts }),
    onEvent: (e) => events.push(e),
  });
  cleanups.push(() => engine.stop());
  const client = createKinesisClient({ endpoint: engine.endpoint });
  await ensureStream(client, 'kept', 1);
  await client.send(
    new PutRecordsCommand({
      StreamName: 'kept',
      Records: ['a', 'b', 'c'].map((s) => ({ Data: new TextEncoder().encode(s), PartitionKey: s })),
    }),
  );
  client.destroy();
  // The engine saves its data every second; a kill after a save that holds the records loses none of them.
  const file = join(persistDir, KINESIS_LOCAL_DATA_FILE);
  const since = Date.now();
  await expect
    .poll(
      () => existsSync(file) && statSync(file).mtimeMs > since && readFileSync(file, 'utf8').includes('"c"'),
      {
        timeout: 20_000,
        interval: 50,
      },
    )
    .toBe(true);
  return { engine, events };
}

async function readAll(endpoint: string): Promise<string[]> {
  const client = createKinesisClient({ endpoint });
  try {
    const shards = await client.send(new ListShardsCommand({ StreamName: 'kept' }));
    const it = await client.send(
      new GetShardIteratorCommand({
        StreamName: 'kept',
        ShardId: shards.Shards?.[0]?.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const out = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    return (out.Records ?? []).map((r) => new TextDecoder().decode(r.Data));
  } finally {
    client.destroy();
  }
}

describe('SupervisedKinesisLocal', () => {
  it('starts the engine again on the same endpoint after a SIGKILL, with the records it had saved', async () => {
    const { engine, events } = await engineWithRecords();
    const endpoint = engine.endpoint;
    const firstPid = engine.pid as number;
    process.kill(firstPid, 'SIGKILL');
    await expect
      .poll(() => events.map((e) => e.kind), { timeout: 60_000, interval: 50 })
      .toEqual(['exited', 'restarted']);
    expect(events[0]).toEqual({ kind: 'exited', pid: firstPid });
    expect(engine.pid).not.toBe(firstPid);
    expect(isAlive(engine.pid as number)).toBe(true);
    expect(engine.endpoint).toBe(endpoint);
    expect(await readAll(endpoint)).toEqual(['a', 'b', 'c']);
  });

  it('does not start the engine again after stop()', async () => {
    const { engine, events } = await engineWithRecords();
    const pid = engine.pid as number;
    await engine.stop();
    expect(isAlive(pid)).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(events).toEqual([]);
  });

  it('gives up, saying so, once the engine has exited more often than maxRestarts', async () => {
    const { engine, events } = await engineWithRecords(0);
    process.kill(engine.pid as number, 'SIGKILL');
    await expect
      .poll(() => events.map((e) => e.kind), { timeout: 20_000, interval: 50 })
      .toEqual(['exited', 'gaveUp']);
    expect(events[1]).toEqual({ kind: 'gaveUp', reason: 'it exited once, and is restarted at most 0 times' });
  });
});
