import { TimestreamQueryClient, type TimestreamQueryClientConfig } from '@aws-sdk/client-timestream-query';
import { explicitTarget, keepAliveHandler } from '../../../kernel/sdkClient.js';

/** Options for {@link createTimestreamQueryClient}; without them the SDK resolves everything from the environment. */
export interface TimestreamQueryClientOptions {
  /**
   * Explicit endpoint (a stand-in, a VPC endpoint). With it the SDK skips endpoint discovery (DescribeEndpoints):
   * its discovery middleware passes custom endpoints straight through.
   */
  endpoint?: string;
  region?: string;
  credentials?: TimestreamQueryClientConfig['credentials'];
  /** Per-request socket timeout; a query that outlives it fails instead of holding the agent's turn. */
  requestTimeoutMs?: number;
}

/** A Timestream Query client for the agent's reads: keep-alive sockets, bounded timeouts, the SDK's retries. */
export function createTimestreamQueryClient(
  options: TimestreamQueryClientOptions = {},
): TimestreamQueryClient {
  return new TimestreamQueryClient({
    maxAttempts: 3,
    requestHandler: keepAliveHandler({
      maxSockets: 8,
      connectionTimeoutMs: 3_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 20_000,
    }),
    ...explicitTarget(options),
  });
}
