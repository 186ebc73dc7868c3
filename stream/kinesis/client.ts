import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  type KinesisClientConfig,
} from '@aws-sdk/client-kinesis';
import { sleep } from '../../kernel/backoff.js';
import { keepAliveHandler } from '../../kernel/sdkClient.js';
import { KINESIS_ERROR_CODES, KinesisError } from './errors.js';

/** kinesis-local namespaces streams under this account when the access key id is not a 12-digit account id. */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';

// One socket per in-flight request: the runner polls every shard and the writer may run calls concurrently.
const MAX_SOCKETS = 64;

/** Options for {@link createKinesisClient}. */
export interface KinesisClientOptions {
  /** Explicit endpoint, e.g. a KinesisLocal's; without it the SDK resolves one (AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL, region). */
  endpoint?: string;
  region?: string;
}

/** A Kinesis client over HTTP/1.1 keep-alive (kinesis-local rejects the HTTP/2 handler); loopback endpoints get dummy credentials. */
export function createKinesisClient(opts: KinesisClientOptions = {}): KinesisClient {
  const config: KinesisClientConfig = {
    requestHandler: keepAliveHandler({ maxSockets: MAX_SOCKETS, connectionTimeoutMs: 5_000 }),
  };
  if (opts.endpoint !== undefined) config.endpoint = opts.endpoint;
  if (opts.endpoint !== undefined && isLoopbackEndpoint(opts.endpoint)) {
    // A local engine checks nothing but the key id (its account); no AWS account or profile is needed.
    config.credentials = { accessKeyId: LOCAL_ACCOUNT_ID, secretAccessKey: 'local', sessionToken: undefined };
    config.region = opts.region ?? LOCAL_REGION;
  } else if (opts.region !== undefined) {
    config.region = opts.region;
  }
  return new KinesisClient(config);
}

/** True for endpoints on the loopback range or localhost. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Creates the stream if it does not exist and waits until it is ACTIVE. */
export async function ensureStream(
  client: KinesisClient,
  name: string,
  shardCount: number,
  opts: { timeoutMs?: number } = {},
): Promise<{ streamArn: string }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let created = false;
  let delayMs = 25;
  for (;;) {
    let summary: { status: string | undefined; arn: string | undefined } | undefined;
    try {
      const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      summary = {
        status: out.StreamDescriptionSummary?.StreamStatus,
        arn: out.StreamDescriptionSummary?.StreamARN,
      };
    } catch (err) {
      if (!(err instanceof Error && err.name === 'ResourceNotFoundException')) throw err;
    }
    if (summary === undefined && !created) {
      try {
        await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
      } catch (err) {
        // Another process created it between our describe and create: wait for it like our own.
        if (!(err instanceof Error && err.name === 'ResourceInUseException')) throw err;
      }
      created = true;
    } else if (summary?.status === 'ACTIVE' && summary.arn !== undefined) {
      return { streamArn: summary.arn };
    } else if (summary?.status === 'DELETING') {
      throw new KinesisError(KINESIS_ERROR_CODES.streamNotActive, `stream ${name} is being deleted`);
    }
    if (Date.now() > deadline) {
      throw new KinesisError(
        KINESIS_ERROR_CODES.streamNotActive,
        `stream ${name} not ACTIVE after ${opts.timeoutMs ?? 120_000} ms (status ${summary?.status ?? 'unknown'})`,
        true,
      );
    }
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 1_000);
  }
}
