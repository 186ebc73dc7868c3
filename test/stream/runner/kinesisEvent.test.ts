import { describe, expect, it } from 'vitest';
import {
  parseStreamArn,
  streamEventContext,
  toKinesisStreamRecord,
} from '../../../stream/runner/kinesisEvent.js';

describe('toKinesisStreamRecord', () => {
  it('builds the record Lambda delivers', () => {
    const record = toKinesisStreamRecord(
      {
        SequenceNumber: '49590338271490256608559692538361571095921575989136588898',
        Data: new Uint8Array([0, 255, 104, 105]),
        PartitionKey: 'machine-7',
        ApproximateArrivalTimestamp: new Date(1_545_084_650_987),
      },
      {
        shardId: 'shardId-000000000006',
        streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/readings',
        awsRegion: 'eu-west-1',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/runner',
      },
    );
    expect(record).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'machine-7',
        sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
        data: 'AP9oaQ==',
        approximateArrivalTimestamp: 1_545_084_650.987,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: 'shardId-000000000006:49590338271490256608559692538361571095921575989136588898',
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/runner',
      awsRegion: 'eu-west-1',
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/readings',
    });
  });
});

describe('parseStreamArn', () => {
  it('splits a stream ARN', () => {
    expect(parseStreamArn('arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s')).toEqual({
      partition: 'aws-cn',
      region: 'cn-north-1',
      accountId: '123456789012',
    });
  });

  it.each(['', 'arn:aws:sqs:us-east-1:1:q', 'stream/s'])('rejects %j', (arn) => {
    expect(() => parseStreamArn(arn)).toThrow(/not a Kinesis stream ARN/);
  });
});

describe('streamEventContext', () => {
  const arn = 'arn:aws-cn:kinesis:cn-north-1:123456789012:stream/readings';

  it("defaults the region to the ARN's and the identity to a role in the stream's account", () => {
    expect(streamEventContext(arn)).toEqual({
      streamArn: arn,
      awsRegion: 'cn-north-1',
      invokeIdentityArn: 'arn:aws-cn:iam::123456789012:role/pfm-local-event-source',
    });
  });

  it('takes the region and identity it is given', () => {
    expect(
      streamEventContext(arn, { region: 'eu-west-1', invokeIdentityArn: 'arn:aws:iam::1:role/r' }),
    ).toEqual({
      streamArn: arn,
      awsRegion: 'eu-west-1',
      invokeIdentityArn: 'arn:aws:iam::1:role/r',
    });
  });

  it('rejects an ARN that is not a stream', () => {
    expect(() => streamEventContext('')).toThrow(/not a Kinesis stream ARN/);
  });
});
