import type { _Record } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { deadLetterEntries } from '../../../stream/runner/deadLetterEntries.js';

describe('deadLetterEntries', () => {
  const ctx = {
    streamName: 'readings',
    shardId: 'shardId-000000000001',
    condition: 'RetryAttemptsExhausted' as const,
    reason: 'decoder exploded',
    attempts: 4,
    time: '2024-05-01T10:00:00.000Z',
  };

  it('keeps each record with its raw bytes, key and sequence number, and the shared reason', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00]);
    const entries = deadLetterEntries(
      [
        { SequenceNumber: '30', PartitionKey: 'press-7', Data: bytes },
        { SequenceNumber: '40', PartitionKey: 'press-8', Data: new Uint8Array([1]) },
      ],
      ctx,
    );
    expect(entries).toEqual([
      { ...ctx, sequenceNumber: '30', partitionKey: 'press-7', data: new Uint8Array([0xff, 0xfe, 0x00]) },
      { ...ctx, sequenceNumber: '40', partitionKey: 'press-8', data: new Uint8Array([1]) },
    ]);
  });

  it('fills what a record lacks with empty values rather than dropping it', () => {
    // The SDK types the fields as always there; a record from elsewhere may still lack them.
    expect(deadLetterEntries([{} as _Record], ctx)).toEqual([
      { ...ctx, sequenceNumber: '', partitionKey: '', data: new Uint8Array() },
    ]);
  });

  it('gives none for no records', () => {
    expect(deadLetterEntries([], ctx)).toEqual([]);
  });
});
