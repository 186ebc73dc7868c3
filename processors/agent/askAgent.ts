import {
  type BedrockAgentRuntimeClient,
  InvokeAgentCommand,
  type ResponseStream,
  type TracePart,
} from '@aws-sdk/client-bedrock-agent-runtime';
import { PfmError } from '../../kernel/errors.js';

/** Bedrock's formats (InvokeAgent API reference): agent ids are 10 characters, aliases too or TSTALIASID. */
export const AGENT_ID_PATTERN = /^[0-9a-zA-Z]{10}$/;
export const AGENT_ALIAS_ID_PATTERN = /^(TSTALIASID|[0-9a-zA-Z]{10})$/;
export const SESSION_ID_PATTERN = /^[0-9a-zA-Z._:-]{2,100}$/;
/** InvokeAgent's inputText limit. */
export const MAX_QUESTION_CHARS = 25_000;

export interface AskAgentOptions {
  client: BedrockAgentRuntimeClient;
  agentId: string;
  agentAliasId: string;
  /** Same id, same conversation: the agent remembers earlier turns for its idle-session TTL. */
  sessionId: string;
  question: string;
  /** The whole exchange, from sending to the last event; default 120 s. */
  timeoutMs?: number;
  /** Called with each piece of answer text as it arrives. */
  onText?: (text: string) => void;
  /** Ask the agent to stream its final answer in pieces (streamFinalResponse) rather than in one chunk. */
  streamFinalResponse?: boolean;
  signal?: AbortSignal;
}

/** A tool call the agent made, read from its trace: the function, its parameters and what it answered. */
export interface AgentToolUse {
  actionGroup: string | undefined;
  function: string;
  parameters: Record<string, string>;
  /** The function's body, parsed when it is JSON; undefined when the trace did not carry the output. */
  result: unknown;
}

export interface AgentAnswer {
  text: string;
  sessionId: string;
  toolCalls: AgentToolUse[];
  /** Failure reasons the agent's trace reported (its own failures, not the answer). */
  failures: string[];
}

function parseBody(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Collects tool inputs and outputs from trace events, pairing them by trace id (else by order). */
class ToolTrace {
  readonly calls: AgentToolUse[] = [];
  readonly failures: string[] = [];
  private readonly open = new Map<string, AgentToolUse>();
  private readonly pending: AgentToolUse[] = [];

  add(part: TracePart): void {
    const trace = part.trace;
    if (trace?.failureTrace?.failureReason) this.failures.push(trace.failureTrace.failureReason);
    const orchestration = trace?.orchestrationTrace;
    const input = orchestration?.invocationInput;
    const call = input?.actionGroupInvocationInput;
    if (input && call?.function) {
      const use: AgentToolUse = {
        actionGroup: call.actionGroupName,
        function: call.function,
        parameters: Object.fromEntries((call.parameters ?? []).map((p) => [p.name ?? '', p.value ?? ''])),
        result: undefined,
      };
      this.calls.push(use);
      if (input.traceId) this.open.set(input.traceId, use);
      else this.pending.push(use);
    }
    const observation = orchestration?.observation;
    const output = observation?.actionGroupInvocationOutput;
    if (observation && output) {
      const use =
        (observation.traceId ? this.open.get(observation.traceId) : undefined) ?? this.pending.shift();
      if (use) use.result = parseBody(output.text);
    }
  }
}

function name(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** An InvokeAgent failure as a PfmError whose message says what happened and what to do. */
export function agentError(
  error: unknown,
  o: Pick<AskAgentOptions, 'agentId' | 'agentAliasId'>,
  timeoutMs: number,
): PfmError {
  if (error instanceof PfmError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | null)?.code;
  switch (name(error)) {
    case 'ThrottlingException':
    case 'ServiceQuotaExceededException':
      return new PfmError(
        'AGENT_THROTTLED',
        `Bedrock is throttling requests to agent ${o.agentId} (${detail}); wait a moment and ask again`,
        { retryable: true, cause: error },
      );
    case 'AccessDeniedException':
      return new PfmError(
        'AGENT_ACCESS_DENIED',
        `not allowed to invoke agent ${o.agentId} alias ${o.agentAliasId}: the credentials need bedrock:InvokeAgent on that alias (${detail})`,
        { cause: error },
      );
    case 'CredentialsProviderError':
      return new PfmError(
        'AGENT_ACCESS_DENIED',
        `no AWS credentials to invoke the agent with: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (${detail})`,
        { cause: error },
      );
    case 'ResourceNotFoundException':
      return new PfmError(
        'AGENT_NOT_FOUND',
        `agent ${o.agentId} with alias ${o.agentAliasId} was not found: check PFM_AGENT_ID, PFM_AGENT_ALIAS_ID and the region (${detail})`,
        { cause: error },
      );
    case 'DependencyFailedException':
      return new PfmError('AGENT_FAILED', `the agent's action group failed: ${detail}`, { cause: error });
    case 'AbortError':
    case 'TimeoutError':
      return new PfmError('AGENT_TIMEOUT', `the agent gave no complete answer within ${timeoutMs / 1000} s`, {
        retryable: true,
        cause: error,
      });
    case 'InternalServerException':
    case 'BadGatewayException':
    case 'ModelNotReadyException':
      return new PfmError('AGENT_FAILED', `Bedrock could not answer (${name(error)}: ${detail}); try again`, {
        retryable: true,
        cause: error,
      });
  }
  if (/region is missing/i.test(detail)) {
    return new PfmError('CONFIG_INVALID', 'no AWS region for the agent: set AWS_REGION or pass --region', {
      cause: error,
    });
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET') {
    return new PfmError('AGENT_FAILED', `cannot reach the Bedrock agent endpoint (${code}): ${detail}`, {
      retryable: true,
      cause: error,
    });
  }
  return new PfmError('AGENT_FAILED', `the agent request failed: ${name(error) || 'error'}: ${detail}`, {
    cause: error,
  });
}

function checkOptions(o: AskAgentOptions): void {
  const bad = (message: string): never => {
    throw new PfmError('CONFIG_INVALID', message);
  };
  if (!AGENT_ID_PATTERN.test(o.agentId))
    bad(`agent id "${o.agentId.slice(0, 20)}" must be 10 letters or digits`);
  if (!AGENT_ALIAS_ID_PATTERN.test(o.agentAliasId))
    bad(`agent alias id "${o.agentAliasId.slice(0, 20)}" must be 10 letters or digits, or TSTALIASID`);
  if (!SESSION_ID_PATTERN.test(o.sessionId))
    bad('session id must be 2-100 of letters, digits, ".", "_", ":" or "-"');
  if (o.question.trim().length === 0) bad('the question is empty');
  if (o.question.length > MAX_QUESTION_CHARS)
    bad(`the question is longer than ${MAX_QUESTION_CHARS} characters`);
}

/**
 * Asks the Bedrock agent one question in a session and reads its `completion` event stream: answer chunks
 * (passed to `onText` as they come) and trace events (the tool calls and what they returned). Throttling,
 * access, missing agents and timeouts become PfmErrors with a message that says what to do.
 */
export async function askAgent(o: AskAgentOptions): Promise<AgentAnswer> {
  checkOptions(o);
  const timeoutMs = o.timeoutMs ?? 120_000;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(Object.assign(new Error('timed out'), { name: 'TimeoutError' })),
    timeoutMs,
  );
  const onAbort = () => controller.abort(o.signal?.reason);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const trace = new ToolTrace();
  let text = '';
  let sessionId = o.sessionId;
  try {
    const response = await o.client.send(
      new InvokeAgentCommand({
        agentId: o.agentId,
        agentAliasId: o.agentAliasId,
        sessionId: o.sessionId,
        inputText: o.question,
        enableTrace: true,
        streamingConfigurations: { streamFinalResponse: o.streamFinalResponse ?? true },
      }),
      { abortSignal: controller.signal },
    );
    sessionId = response.sessionId ?? sessionId;
    if (!response.completion)
      throw new PfmError('AGENT_FAILED', 'the agent answered without a completion stream');
    for await (const event of response.completion as AsyncIterable<ResponseStream>) {
      if (controller.signal.aborted) throw controller.signal.reason;
      if (event.chunk?.bytes) {
        const piece = new TextDecoder().decode(event.chunk.bytes);
        text += piece;
        o.onText?.(piece);
      } else if (event.trace) {
        trace.add(event.trace);
      } else if (event.returnControl) {
        throw new PfmError(
          'AGENT_FAILED',
          'the agent asked the caller to run a function (return of control); its action group must use the Lambda executor',
        );
      }
    }
    if (controller.signal.aborted) throw controller.signal.reason;
    return { text, sessionId, toolCalls: trace.calls, failures: trace.failures };
  } catch (error) {
    if (o.signal?.aborted) throw new PfmError('AGENT_FAILED', 'the question was cancelled', { cause: error });
    // Aborted by our timer: whatever the SDK threw on the way out, the cause is the timeout.
    const cause =
      controller.signal.aborted && !(error instanceof PfmError) ? controller.signal.reason : error;
    throw agentError(cause, o, timeoutMs);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}
