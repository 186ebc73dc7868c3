import type { _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import { RUNNER_ERROR_CODES, RunnerError } from './errors.js';

/** What every record of a stream's events shares. */
export interface EventContext {
  shardId: string;
  streamArn: string;
  awsRegion: string;
  invokeIdentityArn: string;
}

/** The parts of a stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME). */
export function parseStreamArn(arn: string): { partition: string; region: string; accountId: string } {
  const [prefix, partition, service, region, accountId] = arn.split(':');
  if (prefix !== 'arn' || service !== 'kinesis' || !partition || !region || !accountId) {
    throw new RunnerError(RUNNER_ERROR_CODES.invalidConfig, `not a Kinesis stream ARN: ${arn}`);
  }
  return { partition, region, accountId };
}

/**
 * What every shard of a stream puts in its events: the stream ARN, awsRegion (default the ARN's region) and
 * invokeIdentityArn (default a role in the stream's account).
 */
export function streamEventContext(
  streamArn: string,
  overrides: { region?: string; invokeIdentityArn?: string } = {},
): Omit<EventContext, 'shardId'> {
  const arn = parseStreamArn(streamArn);
  return {
    streamArn,
    awsRegion: overrides.region ?? arn.region,
    invokeIdentityArn:
      overrides.invokeIdentityArn ?? `arn:${arn.partition}:iam::${arn.accountId}:role/pfm-local-event-source`,
  };
}

/** A GetRecords record as Lambda's Kinesis event source presents it. */
export function toKinesisStreamRecord(record: _Record, ctx: EventContext): KinesisStreamRecord {
  const sequenceNumber = record.SequenceNumber ?? '';
  const data = record.Data ?? new Uint8Array();
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber,
      data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${ctx.shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: ctx.invokeIdentityArn,
    awsRegion: ctx.awsRegion,
    eventSourceARN: ctx.streamArn,
  };
}
