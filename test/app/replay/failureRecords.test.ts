import { describe, expect, it } from 'vitest';
import { failureRecordsOf } from '../../../app/replay/deadLetterFile.js';
import { parseFailureRecord, parseFailureRecords, streamNameOf } from '../../../app/replay/failureRecords.js';
import type { DeadLetterEntry } from '../../../stream/runner/types.js';

const ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/pfm-readings';

/** The example on-failure record of the Lambda Developer Guide ("Retain discarded batch records"). */
function awsRecord(info: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    requestContext: {
      requestId: 'c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5',
      functionArn: 'arn:aws:lambda:us-east-2:123456789012:function:myfunction',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 1,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2019-11-14T00:38:06.021Z',
    KinesisBatchInfo: {
      shardId: 'shardId-000000000001',
      startSequenceNumber: '49601189658422359378836298521827638475320189012309704722',
      endSequenceNumber: '49601189658422359378836298522902373528957594348623495186',
      approximateArrivalOfFirstRecord: '2019-11-14T00:38:04.835Z',
      approximateArrivalOfLastRecord: '2019-11-14T00:38:05.580Z',
      batchSize: 500,
      streamArn: ARN,
      ...info,
    },
  };
}

describe('parseFailureRecord', () => {
  it('reads the documented on-failure record', () => {
    const record = parseFailureRecord(JSON.stringify(awsRecord()), 'msg');
    expect(record.KinesisBatchInfo.batchSize).toBe(500);
    expect(record.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(streamNameOf(record.KinesisBatchInfo.streamArn)).toBe('pfm-readings');
  });

  it.each([
    ['not JSON', '{', /msg: not JSON/],
    ['no batch info', JSON.stringify({ requestContext: {} }), /no KinesisBatchInfo/],
    ['no shard', JSON.stringify(awsRecord({ shardId: undefined })), /KinesisBatchInfo.shardId missing/],
    ['zero batch', JSON.stringify(awsRecord({ batchSize: 0 })), /batchSize must be a positive/],
    ['bad sequence', JSON.stringify(awsRecord({ startSequenceNumber: '12x' })), /not a sequence number/],
    [
      'short sequence numbers',
      JSON.stringify(awsRecord({ startSequenceNumber: '9', endSequenceNumber: '10' })),
      null,
    ],
    [
      'end before start',
      JSON.stringify(awsRecord({ startSequenceNumber: '11', endSequenceNumber: '10' })),
      /after/,
    ],
  ])('%s', (_name, text, error) => {
    if (error === null) expect(() => parseFailureRecord(text, 'msg')).not.toThrow();
    else expect(() => parseFailureRecord(text, 'msg')).toThrow(error);
  });

  it('rejects an ARN that is not a stream', () => {
    expect(() => streamNameOf('arn:aws:sqs:eu-west-1:1:q')).toThrow(/not a Kinesis stream ARN/);
  });
});

describe('parseFailureRecords', () => {
  it('reads JSON lines, skipping blank lines, naming the line of a bad one', () => {
    const line = JSON.stringify(awsRecord());
    expect(parseFailureRecords(`${line}\n\n${line}\n`, 'f.jsonl')).toHaveLength(2);
    expect(() => parseFailureRecords(`${line}\n{}\n`, 'f.jsonl')).toThrow(/f\.jsonl:2: no KinesisBatchInfo/);
  });

  it('reads `aws sqs receive-message` output, one record per message body', () => {
    const text = JSON.stringify({
      Messages: [
        { MessageId: 'a', Body: JSON.stringify(awsRecord()) },
        { MessageId: 'b', Body: JSON.stringify(awsRecord({ shardId: 'shardId-000000000002' })) },
      ],
    });
    const records = parseFailureRecords(text, 'out.json');
    expect(records.map((r) => r.KinesisBatchInfo.shardId)).toEqual([
      'shardId-000000000001',
      'shardId-000000000002',
    ]);
    expect(() => parseFailureRecords(JSON.stringify({ Messages: [{ MessageId: 'x' }] }), 'out.json')).toThrow(
      /message x: no Body/,
    );
  });

  it('reads nothing from an empty file', () => {
    expect(parseFailureRecords('\n', 'f')).toEqual([]);
  });
});

describe('failureRecordsOf (the runner dead-letter file in the on-failure shape)', () => {
  const entry = (sequenceNumber: string, over: Partial<DeadLetterEntry> = {}): DeadLetterEntry => ({
    streamName: 'pfm-readings',
    shardId: 'shardId-000000000000',
    sequenceNumber,
    partitionKey: 'M-1',
    data: new Uint8Array([1]),
    reason: 'store refused',
    condition: 'RetryAttemptsExhausted',
    attempts: 4,
    time: '2026-01-01T00:00:00.000Z',
    ...over,
  });

  it('makes one record per give-up, over its sequence range, with its count', () => {
    // Sequence numbers longer than a double holds, and out of order in the file.
    const entries = [
      entry('49601189658422359378836298521827638475320189012309704723'),
      entry('49601189658422359378836298521827638475320189012309704722'),
      entry('49601189658422359378836298521827638475320189012309704799'),
      entry('7', { shardId: 'shardId-000000000001', time: '2026-01-01T00:01:00.000Z' }),
    ];
    const records = failureRecordsOf(entries, () => ARN);
    expect(records).toHaveLength(2);
    expect(records[0]?.KinesisBatchInfo).toMatchObject({
      shardId: 'shardId-000000000000',
      startSequenceNumber: '49601189658422359378836298521827638475320189012309704722',
      endSequenceNumber: '49601189658422359378836298521827638475320189012309704799',
      batchSize: 3,
      streamArn: ARN,
    });
    expect(records[1]?.KinesisBatchInfo).toMatchObject({ shardId: 'shardId-000000000001', batchSize: 1 });
    expect(records.reduce((n, r) => n + r.KinesisBatchInfo.batchSize, 0)).toBe(entries.length);
    // What it makes, parseFailureRecord reads: one shape for both sources.
    for (const r of records) expect(() => parseFailureRecord(JSON.stringify(r), 'x')).not.toThrow();
  });
});
