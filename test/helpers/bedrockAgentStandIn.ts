import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { BedrockAgentFunctionResponse } from '@aws-lambda-powertools/event-handler/types';
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { Context } from 'aws-lambda';
import { closeServer, isSigned, listenOnLoopback, readBody } from './httpStandIn.js';

/**
 * TEST AID, not a Bedrock implementation: an HTTP/1.1 server on 127.0.0.1 that answers InvokeAgent
 * (POST /agents/{agentId}/agentAliases/{agentAliasId}/sessions/{sessionId}/text) the way the service does, so
 * the unmodified SDK client parses it: status 200, `application/vnd.amazon.eventstream`, the session id header,
 * and a body of event-stream messages (encoded with @smithy/eventstream-codec) — `chunk` events carrying base64
 * answer bytes, `trace` events, and modelled exceptions (`:message-type: exception`) mid-stream; or an HTTP
 * error with `x-amzn-errortype` before any stream. What each turn answers is the test's script.
 */

/** One InvokeAgent request as the stand-in saw it. */
export interface AgentTurn {
  agentId: string;
  agentAliasId: string;
  sessionId: string;
  inputText: string;
  enableTrace: boolean;
  streamFinalResponse: boolean;
  signed: boolean;
  contentType: string | undefined;
}

/** One message of the completion stream, or a pause before the next. */
export type StandInEvent =
  | { chunk: string }
  | { trace: Record<string, unknown> }
  | { exception: { type: string; message: string } }
  | { pauseMs: number };

/** A turn's answer: a stream of events, or an HTTP error before any stream. */
export type StandInReply =
  | { events: StandInEvent[] }
  | { status: number; errorType: string; message: string };

export type TurnScript = (turn: AgentTurn) => StandInReply | Promise<StandInReply>;

const PATH = /^\/agents\/([^/]+)\/agentAliases\/([^/]+)\/sessions\/([^/]+)\/text$/;
const codec = new EventStreamCodec(toUtf8, fromUtf8);

function headers(values: Record<string, string>): MessageHeaders {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { type: 'string', value: v }]));
}

/** One event-stream message of the completion stream. */
export function encodeEvent(event: Exclude<StandInEvent, { pauseMs: number }>): Uint8Array {
  if ('chunk' in event) {
    return codec.encode({
      headers: headers({
        ':message-type': 'event',
        ':event-type': 'chunk',
        ':content-type': 'application/json',
      }),
      body: fromUtf8(JSON.stringify({ bytes: Buffer.from(event.chunk, 'utf8').toString('base64') })),
    });
  }
  if ('trace' in event) {
    return codec.encode({
      headers: headers({
        ':message-type': 'event',
        ':event-type': 'trace',
        ':content-type': 'application/json',
      }),
      body: fromUtf8(JSON.stringify(event.trace)),
    });
  }
  return codec.encode({
    headers: headers({
      ':message-type': 'exception',
      ':exception-type': event.exception.type,
      ':content-type': 'application/json',
    }),
    body: fromUtf8(JSON.stringify({ message: event.exception.message })),
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Bedrock Agent Runtime stand-in (see the module comment). */
export class BedrockAgentStandIn {
  readonly turns: AgentTurn[] = [];

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  /** Starts the stand-in on 127.0.0.1 on a port the OS picks; `script` answers each turn. */
  static async start(script: TurnScript): Promise<BedrockAgentStandIn> {
    let standIn: BedrockAgentStandIn | undefined;
    const server = createServer((req, res) => {
      void handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'x-amzn-errortype': 'InternalServerException' });
        res.end(JSON.stringify({ message: String(error) }));
      });
    });
    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      const match = PATH.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
      const raw = await readBody(req);
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'UnknownOperationException',
        });
        res.end(JSON.stringify({ message: `no route ${req.method} ${req.url}` }));
        return;
      }
      const body = JSON.parse(raw || '{}') as {
        inputText?: string;
        enableTrace?: boolean;
        streamingConfigurations?: { streamFinalResponse?: boolean };
      };
      const turn: AgentTurn = {
        agentId: decodeURIComponent(match[1] ?? ''),
        agentAliasId: decodeURIComponent(match[2] ?? ''),
        sessionId: decodeURIComponent(match[3] ?? ''),
        inputText: body.inputText ?? '',
        enableTrace: body.enableTrace === true,
        streamFinalResponse: body.streamingConfigurations?.streamFinalResponse === true,
        signed: isSigned(req),
        contentType: req.headers['content-type'],
      };
      standIn?.turns.push(turn);
      const reply = await script(turn);
      if ('status' in reply) {
        res.writeHead(reply.status, {
          'content-type': 'application/json',
          'x-amzn-errortype': reply.errorType,
        });
        res.end(JSON.stringify({ message: reply.message }));
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/vnd.amazon.eventstream',
        'x-amzn-bedrock-agent-content-type': 'application/json',
        'x-amz-bedrock-agent-session-id': turn.sessionId,
      });
      for (const event of reply.events) {
        if ('pauseMs' in event) {
          await sleep(event.pauseMs);
          if (res.destroyed) return;
          continue;
        }
        res.write(encodeEvent(event));
      }
      res.end();
    };
    standIn = new BedrockAgentStandIn(server, await listenOnLoopback(server));
    return standIn;
  }

  /** Stops listening and closes open connections. */
  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

/** A call the scripted "model" makes to the action group. */
export interface PlannedCall {
  function: string;
  parameters: Record<string, string | number>;
}

/**
 * A scripted agent: for each turn it plans function calls (the test's `plan`, standing in for the model),
 * invokes the real action-group handler with Bedrock's function event, emits the invocation-input and
 * observation traces Bedrock emits, and streams `compose`'s answer in chunks of `chunkSize` characters.
 */
export function toolUsingAgent(options: {
  handler: (event: unknown, context: Context) => Promise<BedrockAgentFunctionResponse>;
  plan: (inputText: string) => PlannedCall[];
  compose: (results: { call: PlannedCall; body: string }[]) => string;
  actionGroup?: string;
  chunkSize?: number;
}): TurnScript {
  return async (turn) => {
    const events: StandInEvent[] = [];
    const results: { call: PlannedCall; body: string }[] = [];
    const calls = options.plan(turn.inputText);
    for (const [i, call] of calls.entries()) {
      const traceId = `${turn.sessionId}-${i}`;
      const parameters = Object.entries(call.parameters).map(([name, value]) => ({
        name,
        type: typeof value === 'number' ? 'integer' : 'string',
        value: String(value),
      }));
      const response = await options.handler(
        {
          messageVersion: '1.0',
          agent: { name: 'pfm-maintenance', id: turn.agentId, alias: turn.agentAliasId, version: '1' },
          actionGroup: options.actionGroup ?? 'fleet',
          function: call.function,
          parameters,
          inputText: turn.inputText,
          sessionId: turn.sessionId,
          sessionAttributes: {},
          promptSessionAttributes: {},
        },
        {} as Context,
      );
      const body = response.response.functionResponse.responseBody.TEXT.body;
      results.push({ call, body });
      if (turn.enableTrace) {
        const common = { agentId: turn.agentId, agentAliasId: turn.agentAliasId, sessionId: turn.sessionId };
        events.push({
          trace: {
            ...common,
            trace: {
              orchestrationTrace: {
                invocationInput: {
                  traceId,
                  invocationType: 'ACTION_GROUP',
                  actionGroupInvocationInput: {
                    actionGroupName: options.actionGroup ?? 'fleet',
                    function: call.function,
                    parameters,
                    executionType: 'LAMBDA',
                  },
                },
              },
            },
          },
        });
        events.push({
          trace: {
            ...common,
            trace: {
              orchestrationTrace: {
                observation: { traceId, type: 'ACTION_GROUP', actionGroupInvocationOutput: { text: body } },
              },
            },
          },
        });
      }
    }
    const answer = options.compose(results);
    const size = turn.streamFinalResponse ? (options.chunkSize ?? 40) : answer.length || 1;
    for (let at = 0; at < answer.length; at += size) events.push({ chunk: answer.slice(at, at + size) });
    return { events };
  };
}
