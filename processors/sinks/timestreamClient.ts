import { TimestreamWriteClient, type TimestreamWriteClientConfig } from '@aws-sdk/client-timestream-write';
import { explicitTarget, keepAliveHandler } from '../../kernel/sdkClient.js';

/** Options for {@link createTimestreamWriteClient}; without them the SDK resolves everything from the environment. */
export interface TimestreamClientOptions {
  /** Explicit endpoint (a stand-in); without it the SDK reads AWS_ENDPOINT_URL_TIMESTREAM_WRITE, then discovers one. */
  endpoint?: string;
  region?: string;
  credentials?: TimestreamWriteClientConfig['credentials'];
  /** Sockets kept per host; at least the sink's concurrency. */
  maxSockets?: number;
}

/**
 * A Timestream Write client for TimestreamSink: the SDK's own retries are off (`maxAttempts: 1`) because the sink
 * retries per call with its own backoff and must see every throttle; keep-alive sockets, bounded timeouts so a
 * stuck call fails the batch instead of the Lambda invocation.
 */
export function createTimestreamWriteClient(options: TimestreamClientOptions = {}): TimestreamWriteClient {
  return new TimestreamWriteClient({
    maxAttempts: 1,
    requestHandler: keepAliveHandler({
      maxSockets: options.maxSockets ?? 16,
      connectionTimeoutMs: 3_000,
      requestTimeoutMs: 15_000,
    }),
    ...explicitTarget(options),
  });
}
