import http from 'node:http';
import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Where and as whom an AWS SDK client connects; what is left out, the SDK resolves from the environment. */
export interface ClientTarget<Credentials> {
  endpoint?: string;
  region?: string;
  credentials?: Credentials;
}

/**
 * The HTTP/1.1 request handler every SDK client here uses: keep-alive sockets, at most `maxSockets` per host,
 * a bounded connect and (when given) a bounded wait on the socket. Local stand-ins and engines speak only HTTP/1.1.
 */
export function keepAliveHandler(options: {
  maxSockets: number;
  connectionTimeoutMs: number;
  requestTimeoutMs?: number;
}): NodeHttpHandler {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
  return new NodeHttpHandler({
    httpAgent: new http.Agent(agentOptions),
    httpsAgent: new https.Agent(agentOptions),
    connectionTimeout: options.connectionTimeoutMs,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeout: options.requestTimeoutMs }),
  });
}

/** Only the endpoint, region and credentials that were given, so a missing one stays the SDK's to resolve. */
export function explicitTarget<Credentials>(options: ClientTarget<Credentials>): ClientTarget<Credentials> {
  const target: ClientTarget<Credentials> = {};
  if (options.endpoint !== undefined) target.endpoint = options.endpoint;
  if (options.region !== undefined) target.region = options.region;
  if (options.credentials !== undefined) target.credentials = options.credentials;
  return target;
}
