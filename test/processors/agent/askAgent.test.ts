import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgentRuntimeClient } from '../../../processors/agent/agentRuntimeClient.js';
import { askAgent } from '../../../processors/agent/askAgent.js';
import {
  BedrockAgentStandIn,
  type StandInReply,
  type TurnScript,
} from '../../helpers/bedrockAgentStandIn.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
let script: TurnScript = () => ({ events: [] });
let standIn: BedrockAgentStandIn;

beforeAll(async () => {
  standIn = await BedrockAgentStandIn.start((turn) => script(turn));
});
afterAll(async () => {
  await standIn.stop();
});
afterEach(() => {
  standIn.turns.length = 0;
});

function ask(overrides: Partial<Parameters<typeof askAgent>[0]> = {}) {
  const client = createAgentRuntimeClient({ endpoint: standIn.endpoint, region: 'us-east-1', credentials });
  return askAgent({
    client,
    agentId: 'AGENT12345',
    agentAliasId: 'TSTALIASID',
    sessionId: 'session-1',
    question: 'which machines are at risk?',
    timeoutMs: 5_000,
    ...overrides,
  }).finally(() => client.destroy());
}

const invocation = (
  traceId: string,
  fn: string,
  parameters: { name: string; type: string; value: string }[],
) => ({
  trace: {
    sessionId: 'session-1',
    trace: {
      orchestrationTrace: {
        invocationInput: {
          traceId,
          invocationType: 'ACTION_GROUP',
          actionGroupInvocationInput: { actionGroupName: 'fleet', function: fn, parameters },
        },
      },
    },
  },
});
const observation = (traceId: string, text: string) => ({
  trace: {
    sessionId: 'session-1',
    trace: {
      orchestrationTrace: {
        observation: { traceId, type: 'ACTION_GROUP', actionGroupInvocationOutput: { text } },
      },
    },
  },
});

describe('askAgent against a Bedrock Agent Runtime stand-in', () => {
  it('streams the answer chunks in order and returns the tool calls read from the trace', async () => {
    script = () => ({
      events: [
        invocation('t-1', 'top_at_risk', [{ name: 'limit', type: 'integer', value: '3' }]),
        invocation('t-2', 'drift_status', []),
        observation('t-2', 'not json'),
        observation('t-1', '{"tool":"top_at_risk","machines":[{"machine":"M-0003"}]}'),
        { trace: { trace: { failureTrace: { failureReason: 'model hiccup' } } } },
        { chunk: 'M-0003 is most ' },
        { pauseMs: 20 },
        { chunk: 'at risk (PWF).' },
      ],
    });
    const pieces: string[] = [];
    const answer = await ask({ onText: (p) => pieces.push(p) });
    expect(pieces).toEqual(['M-0003 is most ', 'at risk (PWF).']);
    expect(answer).toEqual({
      text: 'M-0003 is most at risk (PWF).',
      sessionId: 'session-1',
      toolCalls: [
        {
          actionGroup: 'fleet',
          function: 'top_at_risk',
          parameters: { limit: '3' },
          result: { tool: 'top_at_risk', machines: [{ machine: 'M-0003' }] },
        },
        { actionGroup: 'fleet', function: 'drift_status', parameters: {}, result: 'not json' },
      ],
      failures: ['model hiccup'],
    });
    expect(standIn.turns).toEqual([
      {
        agentId: 'AGENT12345',
        agentAliasId: 'TSTALIASID',
        sessionId: 'session-1',
        inputText: 'which machines are at risk?',
        enableTrace: true,
        streamFinalResponse: true,
        signed: true,
        contentType: 'application/json',
      },
    ]);
  });

  it.each<[string, StandInReply, string, boolean, RegExp]>([
    [
      'throttling',
      { status: 429, errorType: 'ThrottlingException', message: 'Rate exceeded' },
      'AGENT_THROTTLED',
      true,
      /throttling requests to agent AGENT12345 \(Rate exceeded\); wait a moment/,
    ],
    [
      'access denied',
      { status: 403, errorType: 'AccessDeniedException', message: 'not authorized' },
      'AGENT_ACCESS_DENIED',
      false,
      /credentials need bedrock:InvokeAgent on that alias/,
    ],
    [
      'an unknown agent',
      { status: 404, errorType: 'ResourceNotFoundException', message: 'no such agent' },
      'AGENT_NOT_FOUND',
      false,
      /check PFM_AGENT_ID, PFM_AGENT_ALIAS_ID and the region/,
    ],
    [
      'a failing action group',
      { status: 424, errorType: 'DependencyFailedException', message: 'Lambda failed' },
      'AGENT_FAILED',
      false,
      /action group failed: Lambda failed/,
    ],
    [
      'an exception inside the stream',
      { events: [{ chunk: 'M-00' }, { exception: { type: 'throttlingException', message: 'slow down' } }] },
      'AGENT_THROTTLED',
      true,
      /slow down/,
    ],
  ])('turns %s into a clear error', async (_name, reply, code, retryable, message) => {
    script = () => reply;
    const error = await ask().catch((e: unknown) => e);
    expect(error).toMatchObject({ code, retryable });
    expect((error as Error).message).toMatch(message);
  });

  it('retries HTTP throttling with the SDK before giving up', async () => {
    script = () => ({ status: 429, errorType: 'ThrottlingException', message: 'Rate exceeded' });
    await expect(ask()).rejects.toMatchObject({ code: 'AGENT_THROTTLED' });
    expect(standIn.turns).toHaveLength(3);
  });

  it('times out a stream that stalls, keeping what arrived', async () => {
    script = () => ({ events: [{ chunk: 'partial' }, { pauseMs: 2_000 }, { chunk: ' never' }] });
    const pieces: string[] = [];
    const error = await ask({ timeoutMs: 300, onText: (p) => pieces.push(p) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AGENT_TIMEOUT', retryable: true });
    expect((error as Error).message).toMatch(/no complete answer within 0.3 s/);
    expect(pieces).toEqual(['partial']);
  });

  it('stops when the caller cancels, saying so', async () => {
    script = () => ({ events: [{ chunk: 'partial' }, { pauseMs: 2_000 }, { chunk: ' never' }] });
    const cancel = new AbortController();
    const error = await ask({ signal: cancel.signal, onText: () => cancel.abort() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AGENT_FAILED', message: 'the question was cancelled' });
  });

  it('says when the endpoint cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const client = createAgentRuntimeClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials,
    });
    const error = await askAgent({
      client,
      agentId: 'AGENT12345',
      agentAliasId: 'TSTALIASID',
      sessionId: 'session-1',
      question: 'hi',
    }).catch((e: unknown) => e);
    client.destroy();
    expect(error).toMatchObject({ code: 'AGENT_FAILED' });
    expect((error as Error).message).toMatch(/cannot reach the Bedrock agent endpoint \(ECONNREFUSED\)/);
  });

  it.each([
    ['an agent id with a path in it', { agentId: '../../../x' }, /agent id/],
    ['an alias id too long', { agentAliasId: 'ALIAS123456789' }, /alias id/],
    ['a session id with spaces', { sessionId: 'my session' }, /session id/],
    ['an empty question', { question: '   ' }, /question is empty/],
    ['a question over 25,000 characters', { question: 'x'.repeat(25_001) }, /longer than 25000/],
  ])('refuses %s before sending anything', async (_name, overrides, message) => {
    await expect(ask(overrides)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(message),
    });
    expect(standIn.turns).toEqual([]);
  });
});
