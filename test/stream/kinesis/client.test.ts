import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { createKinesisClient, ensureStream, isLoopbackEndpoint } from '../../../stream/kinesis/client.js';
import { useKinesisLocal } from '../../helpers/kinesisLocal.js';

describe('isLoopbackEndpoint', () => {
  it.each([
    ['http://127.0.0.1:4567', true],
    ['http://127.1.2.3', true],
    ['http://localhost:4568', true],
    ['http://[::1]:4568', true],
    ['https://kinesis.us-east-1.amazonaws.com', false],
    ['http://10.0.0.1:4568', false],
    ['not a url', false],
  ])('%s -> %s', (endpoint, expected) => {
    expect(isLoopbackEndpoint(endpoint)).toBe(expected);
  });
});

describe('createKinesisClient', () => {
  it('gives a loopback endpoint dummy credentials and us-east-1', async () => {
    const client = createKinesisClient({ endpoint: 'http://127.0.0.1:1' });
    try {
      expect(await client.config.region()).toBe('us-east-1');
      const credentials = await client.config.credentials();
      expect(credentials.accessKeyId).toBe('000000000000');
    } finally {
      client.destroy();
    }
  });

  it('keeps an explicit region', async () => {
    const client = createKinesisClient({ endpoint: 'http://127.0.0.1:1', region: 'eu-west-1' });
    try {
      expect(await client.config.region()).toBe('eu-west-1');
    } finally {
      client.destroy();
    }
  });
});

describe('ensureStream against kinesis-local', () => {
  const kinesis = useKinesisLocal();

  it('creates a missing stream, waits for ACTIVE, and is idempotent', async () => {
    const name = kinesis.streamName('ensure');
    const first = await ensureStream(kinesis.client, name, 2);
    expect(first.streamArn).toBe(`arn:aws:kinesis:us-east-1:000000000000:stream/${name}`);
    const summary = await kinesis.client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    expect(summary.StreamDescriptionSummary).toMatchObject({ StreamStatus: 'ACTIVE', OpenShardCount: 2 });
    expect(await ensureStream(kinesis.client, name, 2)).toEqual(first);
  });
});
