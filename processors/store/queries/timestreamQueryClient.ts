import http from 'node:http';
import https from 'node:https';
import { TimestreamQueryClient, type TimestreamQueryClientConfig } from '@aws-sdk/client-timestream-query';
import { NodeHttpHandler } from '@smithy/node-http-handler';

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
  const agentOptions = { keepAlive: true, maxSockets: 8 };
  const config: TimestreamQueryClientConfig = {
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
      connectionTimeout: 3_000,
      requestTimeout: options.requestTimeoutMs ?? 20_000,
    }),
  };
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.region !== undefined) config.region = options.region;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  return new TimestreamQueryClient(config);
}
