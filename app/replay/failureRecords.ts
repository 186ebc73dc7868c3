/**
 * What a Kinesis event source mapping sends its on-failure destination when it gives up on a batch: metadata only,
 * the shard and sequence range to re-read from the stream (Lambda Developer Guide, "Retain discarded batch records
 * for a Kinesis Data Streams event source": "use the streamArn, shardId, startSequenceNumber, and
 * endSequenceNumber fields to obtain the full original record. All of the fields shown in the KinesisBatchInfo
 * property will always be present.").
 */
export interface KinesisBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  approximateArrivalOfFirstRecord: string;
  approximateArrivalOfLastRecord: string;
  batchSize: number;
  streamArn: string;
}

/** One on-failure invocation record (the body of one message on the on-failure queue). */
export interface FailureRecord {
  requestContext: {
    condition: string;
    approximateInvokeCount?: number;
    functionArn?: string;
    requestId?: string;
  };
  version: string;
  timestamp: string;
  KinesisBatchInfo: KinesisBatchInfo;
}

const INFO_TEXT_FIELDS = [
  'shardId',
  'startSequenceNumber',
  'endSequenceNumber',
  'approximateArrivalOfFirstRecord',
  'approximateArrivalOfLastRecord',
  'streamArn',
] as const;

/** Reads one invocation record, naming what is missing or wrong (`where`: the message or line it came from). */
export function parseFailureRecord(text: string, where: string): FailureRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where}: not JSON`);
  }
  const record = value as Partial<FailureRecord> | null;
  const info = record?.KinesisBatchInfo as Record<string, unknown> | undefined;
  if (typeof info !== 'object' || info === null) {
    throw new Error(`${where}: no KinesisBatchInfo (not a Kinesis event source's on-failure record)`);
  }
  for (const field of INFO_TEXT_FIELDS) {
    if (typeof info[field] !== 'string' || info[field] === '') {
      throw new Error(`${where}: KinesisBatchInfo.${field} missing or not text`);
    }
  }
  if (!Number.isSafeInteger(info.batchSize) || (info.batchSize as number) < 1) {
    throw new Error(`${where}: KinesisBatchInfo.batchSize must be a positive whole number`);
  }
  for (const field of ['startSequenceNumber', 'endSequenceNumber'] as const) {
    if (!/^\d+$/.test(info[field] as string))
      throw new Error(`${where}: KinesisBatchInfo.${field} is not a sequence number`);
  }
  if (BigInt(info.startSequenceNumber as string) > BigInt(info.endSequenceNumber as string)) {
    throw new Error(`${where}: startSequenceNumber is after endSequenceNumber`);
  }
  return {
    requestContext: {
      condition: String(record?.requestContext?.condition ?? 'unknown'),
      ...record?.requestContext,
    },
    version: String(record?.version ?? ''),
    timestamp: String(record?.timestamp ?? ''),
    KinesisBatchInfo: info as unknown as KinesisBatchInfo,
  };
}

/** The stream name of a Kinesis stream ARN (arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME). */
export function streamNameOf(streamArn: string): string {
  const name = /:stream\/(.+)$/.exec(streamArn)?.[1];
  if (name === undefined) throw new Error(`not a Kinesis stream ARN: ${streamArn}`);
  return name;
}

/**
 * The on-failure records of a file: JSON lines of message bodies, or what `aws sqs receive-message` prints
 * (`{"Messages": [{"Body": "..."}]}`), so a queue's messages can be saved and replayed as they are.
 */
export function parseFailureRecords(text: string, source: string): FailureRecord[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('{"Messages"') || /^\{\s*"Messages"\s*:/.test(trimmed)) {
    let parsed: { Messages?: { Body?: unknown; MessageId?: unknown }[] };
    try {
      parsed = JSON.parse(trimmed) as typeof parsed;
    } catch {
      throw new Error(`${source}: looks like receive-message output but is not JSON`);
    }
    return (parsed.Messages ?? []).map((m, i) => {
      const where = `${source}: message ${typeof m.MessageId === 'string' ? m.MessageId : i + 1}`;
      if (typeof m.Body !== 'string') throw new Error(`${where}: no Body`);
      return parseFailureRecord(m.Body, where);
    });
  }
  return text
    .split('\n')
    .map((line, i) => ({ line, where: `${source}:${i + 1}` }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, where }) => parseFailureRecord(line, where));
}
