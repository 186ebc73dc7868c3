import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCheckpointStore } from '../../../stream/runner/FileCheckpointStore.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'checkpoints-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileCheckpointStore', () => {
  it('keeps checkpoints per stream and shard across instances', async () => {
    const path = join(dir, 'nested', 'checkpoints.json');
    const store = new FileCheckpointStore(path);
    expect(await store.load('a', 'shardId-0')).toBeUndefined();
    await store.save('a', 'shardId-0', '100');
    await store.save('a', 'shardId-1', '200');
    await store.save('b', 'shardId-0', '300');
    await store.save('a', 'shardId-0', '150');

    const reopened = new FileCheckpointStore(path);
    expect(await reopened.load('a', 'shardId-0')).toBe('150');
    expect(await reopened.load('a', 'shardId-1')).toBe('200');
    expect(await reopened.load('b', 'shardId-0')).toBe('300');
    expect(await reopened.all('a')).toEqual({ 'shardId-0': '150', 'shardId-1': '200' });
  });

  it('writes concurrent saves without losing any and leaves no temp files', async () => {
    const path = join(dir, 'checkpoints.json');
    const store = new FileCheckpointStore(path);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save('s', `shard-${i}`, String(i))));
    const reopened = new FileCheckpointStore(path);
    expect(await reopened.all('s')).toEqual(
      Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`shard-${i}`, String(i)])),
    );
    expect(await readdir(dir)).toEqual(['checkpoints.json']);
  });

  it.each([
    ['not JSON', '{'],
    ['wrong shape', '{"version":1,"streams":{"s":{"shard":42}}}'],
    ['wrong version', '{"version":2,"streams":{}}'],
  ])('refuses a corrupt file: %s', async (_name, text) => {
    const path = join(dir, 'checkpoints.json');
    await writeFile(path, text);
    await expect(new FileCheckpointStore(path).load('s', 'shard')).rejects.toMatchObject({
      code: 'RUNNER_CORRUPT_FILE',
    });
  });
});
