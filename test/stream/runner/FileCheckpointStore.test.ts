import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../../../stream/runner/FileCheckpointStore.js';
import type { StreamIdentity } from '../../../stream/runner/types.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'checkpoints-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stream = (name: string, createdAt = '2026-01-01T00:00:00.000Z'): StreamIdentity => ({
  streamName: name,
  streamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`,
  createdAt,
});

describe('FileCheckpointStore', () => {
  it('keeps checkpoints per stream and shard across instances', async () => {
    const path = join(dir, 'nested', 'checkpoints.json');
    const store = new FileCheckpointStore(path);
    expect(await store.load(stream('a'))).toEqual({ shards: {} });
    await store.save(stream('a'), 'shardId-0', '100');
    await store.save(stream('a'), 'shardId-1', '200');
    await store.save(stream('b'), 'shardId-0', '300');
    await store.save(stream('a'), 'shardId-0', '150');

    const reopened = new FileCheckpointStore(path);
    expect(await reopened.load(stream('a'))).toEqual({ shards: { 'shardId-0': '150', 'shardId-1': '200' } });
    expect(await reopened.load(stream('b'))).toEqual({ shards: { 'shardId-0': '300' } });
  });

  it('gives a stream created again under the same name none of the old checkpoints, says so, and drops them at its first save', async () => {
    const path = join(dir, 'checkpoints.json');
    const store = new FileCheckpointStore(path);
    await store.save(stream('a'), 'shardId-0', '100');
    await store.save(stream('a'), 'shardId-1', '200');

    const again = stream('a', '2026-02-01T00:00:00.000Z');
    const reopened = new FileCheckpointStore(path);
    expect(await reopened.load(again)).toEqual({
      shards: {},
      replaced: { createdAt: '2026-01-01T00:00:00.000Z', shards: 2 },
    });
    await reopened.save(again, 'shardId-0', '7');
    expect(await new FileCheckpointStore(path).load(again)).toEqual({ shards: { 'shardId-0': '7' } });
    expect(await new FileCheckpointStore(path).load(stream('a'))).toMatchObject({ shards: {} });
  });

  it('keys a stream whose ARN the service does not report by its name', async () => {
    const path = join(dir, 'checkpoints.json');
    const noArn = { streamName: 'a', streamArn: '', createdAt: '' };
    await new FileCheckpointStore(path).save(noArn, 'shardId-0', '1');
    expect(await new FileCheckpointStore(path).load(noArn)).toEqual({ shards: { 'shardId-0': '1' } });
  });

  it('adopts the checkpoints of a version 1 file (keyed by stream name) for the first stream of that name', async () => {
    const path = join(dir, 'checkpoints.json');
    await writeFile(
      path,
      JSON.stringify({ version: 1, streams: { a: { 'shardId-0': '100' }, b: { 'shardId-0': '5' } } }),
    );
    const store = new FileCheckpointStore(path);
    expect(await store.load(stream('a'))).toEqual({ shards: { 'shardId-0': '100' } });
    await store.save(stream('a'), 'shardId-0', '120');
    const written = JSON.parse(await readFile(path, 'utf8'));
    expect(written).toEqual({
      version: 2,
      streams: {
        [stream('a').streamArn]: {
          streamName: 'a',
          createdAt: '2026-01-01T00:00:00.000Z',
          shards: { 'shardId-0': '120' },
        },
      },
      unidentified: { b: { 'shardId-0': '5' } },
    });
    expect(await new FileCheckpointStore(path).load(stream('b'))).toEqual({ shards: { 'shardId-0': '5' } });
  });

  it('writes concurrent saves without losing any and leaves no temp files', async () => {
    const path = join(dir, 'checkpoints.json');
    const store = new FileCheckpointStore(path);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save(stream('s'), `shard-${i}`, String(i))));
    const reopened = new FileCheckpointStore(path);
    expect(await reopened.load(stream('s'))).toEqual({
      shards: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`shard-${i}`, String(i)])),
    });
    expect(await readdir(dir)).toEqual(['checkpoints.json']);
  });

  it.each([
    ['not JSON', '{'],
    ['wrong shape (version 1)', '{"version":1,"streams":{"s":{"shard":42}}}'],
    ['wrong shape (version 2)', '{"version":2,"streams":{"arn":{"streamName":"s","shards":{}}}}'],
    ['unknown version', '{"version":3,"streams":{}}'],
  ])('refuses a corrupt file: %s', async (_name, text) => {
    const path = join(dir, 'checkpoints.json');
    await writeFile(path, text);
    await expect(new FileCheckpointStore(path).load(stream('s'))).rejects.toMatchObject({
      code: 'RUNNER_CORRUPT_FILE',
    });
  });
});
