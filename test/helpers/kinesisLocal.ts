import { randomBytes } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll } from 'vitest';
import { createKinesisClient, ensureStream } from '../../stream/kinesis/client.js';
import { KinesisLocal } from '../../stream/kinesis/KinesisLocal.js';

/** Access to the test file's kinesis-local engine; valid inside tests, after beforeAll. */
export interface KinesisLocalFixture {
  readonly endpoint: string;
  readonly client: KinesisClient;
  /** A stream name no other test (or test file) uses. */
  streamName(prefix?: string): string;
  /** Creates a fresh ACTIVE stream; fresh because kinesis-local slows down as a shard fills. */
  freshStream(shardCount?: number, prefix?: string): Promise<{ streamName: string; streamArn: string }>;
}

/** Starts one kinesis-local for the calling test file (beforeAll) and stops it afterwards (afterAll). */
export function useKinesisLocal(): KinesisLocalFixture {
  let local: KinesisLocal | undefined;
  let client: KinesisClient | undefined;
  let counter = 0;
  const fileTag = randomBytes(3).toString('hex');

  beforeAll(async () => {
    local = await KinesisLocal.start();
    client = createKinesisClient({ endpoint: local.endpoint });
  });

  afterAll(async () => {
    // Open keep-alive sockets would make the engine wait on SIGTERM.
    client?.destroy();
    await local?.stop();
  });

  const fixture: KinesisLocalFixture = {
    get endpoint() {
      if (local === undefined) throw new Error('kinesis-local is not started (use inside a test)');
      return local.endpoint;
    },
    get client() {
      if (client === undefined) throw new Error('kinesis-local is not started (use inside a test)');
      return client;
    },
    streamName(prefix = 'test') {
      counter++;
      return `${prefix}-${fileTag}-${counter}`;
    },
    async freshStream(shardCount = 1, prefix = 'test') {
      const streamName = fixture.streamName(prefix);
      const { streamArn } = await ensureStream(fixture.client, streamName, shardCount);
      return { streamName, streamArn };
    },
  };
  return fixture;
}
