import {
  BedrockAgentRuntimeClient,
  type BedrockAgentRuntimeClientConfig,
} from '@aws-sdk/client-bedrock-agent-runtime';
import { explicitTarget, keepAliveHandler } from '../../kernel/sdkClient.js';

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
  return new BedrockAgentRuntimeClient({
    // Throttling gets the SDK's retries; a stream that broke half-way is not retried (see askAgent).
    maxAttempts: 3,
    requestHandler: keepAliveHandler({
      maxSockets: 4,
      connectionTimeoutMs: 5_000,
      requestTimeoutMs: options.socketTimeoutMs ?? 60_000,
    }),
    ...explicitTarget(options),
  });
}
