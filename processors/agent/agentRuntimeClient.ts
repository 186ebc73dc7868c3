import http from 'node:http';
import https from 'node:https';
import {
  BedrockAgentRuntimeClient,
  type BedrockAgentRuntimeClientConfig,
} from '@aws-sdk/client-bedrock-agent-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Options for {@link createAgentRuntimeClient}; without them the SDK resolves region and credentials itself. */
export interface AgentRuntimeClientOptions {
  /** Explicit endpoint (a stand-in on 127.0.0.1); otherwise the region's bedrock-agent-runtime endpoint. */
  endpoint?: string;
  region?: string;
  credentials?: BedrockAgentRuntimeClientConfig['credentials'];
  /** Longest silence on the socket before the request fails (the agent streams while it works). */
  socketTimeoutMs?: number;
}

/**
 * A Bedrock Agent Runtime client on the HTTP/1.1 handler. The SDK's default for this client is HTTP/2, which a
 * plain local endpoint does not speak; InvokeAgent streams only its response, so HTTP/1.1 loses nothing in AWS.
 */
export function createAgentRuntimeClient(options: AgentRuntimeClientOptions = {}): BedrockAgentRuntimeClient {
  const agentOptions = { keepAlive: true, maxSockets: 4 };
  const config: BedrockAgentRuntimeClientConfig = {
    // Throttling gets the SDK's retries; a stream that broke half-way is not retried (see askAgent).
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
      connectionTimeout: 5_000,
      requestTimeout: options.socketTimeoutMs ?? 60_000,
    }),
  };
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.region !== undefined) config.region = options.region;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  return new BedrockAgentRuntimeClient(config);
}
