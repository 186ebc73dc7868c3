import {
  BedrockAgentFunctionResolver,
  BedrockFunctionResponse,
} from '@aws-lambda-powertools/event-handler/bedrock-agent';
import type {
  BedrockAgentFunctionEvent,
  BedrockAgentFunctionResponse,
} from '@aws-lambda-powertools/event-handler/types';
import type { Context } from 'aws-lambda';
import { PfmError } from '../../kernel/errors.js';
import { AGENT_FUNCTIONS, type ToolName } from './constants.js';
import type { AgentTools } from './core.js';
import { fitBody } from './fitBody.js';

/** The logging the handler needs (Powertools' Logger fits). */
export interface ActionGroupLogger {
  debug(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

export interface ActionGroupDeps {
  /**
   * The tools, opened on first use and kept: a store that cannot be opened (missing file, a sink the agent
   * cannot query) then answers every call with a clear error instead of failing the cold start.
   */
  tools: () => Promise<AgentTools>;
  logger?: ActionGroupLogger;
  /** Longest body handed back to the agent (default MAX_BODY_CHARS); longer results are trimmed. */
  maxBodyChars?: number;
  /** Called after each tool call, for metrics. */
  onToolCall?: (info: { tool: string; ok: boolean; code?: string }) => void;
}

/** An error as the model sees it: a code, a message it can repeat, and whether trying again may help. */
export function errorBody(error: unknown): { error: { code: string; message: string; retryable: boolean } } {
  if (error instanceof PfmError) {
    return { error: { code: error.code, message: error.message, retryable: error.retryable } };
  }
  return {
    error: {
      code: 'INTERNAL',
      message: 'the tool failed unexpectedly; the function log has the details',
      retryable: false,
    },
  };
}

function text(v: unknown, fallback: string): string {
  return typeof v === 'string' && v.length > 0 ? v.slice(0, 100) : fallback;
}

/**
 * The reply to an event that is not a Bedrock function invocation: it still has the response's shape (with
 * the action group and function echoed when they were there), FAILURE, and a body that says what was wrong.
 */
export function malformedEventResponse(event: unknown, reason: string): BedrockAgentFunctionResponse {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  return {
    messageVersion: '1.0',
    response: {
      actionGroup: text(e.actionGroup, 'unknown'),
      function: text(e.function, 'unknown'),
      functionResponse: {
        responseState: 'FAILURE',
        responseBody: {
          TEXT: {
            body: JSON.stringify({ error: { code: 'MALFORMED_EVENT', message: reason, retryable: false } }),
          },
        },
      },
    },
  };
}

/**
 * The action-group Lambda handler (function-details style): Powertools' resolver routes each function to its
 * tool, which validates the parameters; a result is compact JSON; bad parameters come back as an error body
 * with REPROMPT (the model may correct itself), a failing store as an error body the model can report. Nothing
 * throws out of it, whatever the event.
 */
export function createActionGroupHandler(
  deps: ActionGroupDeps,
): (event: unknown, context: Context) => Promise<BedrockAgentFunctionResponse> {
  const resolver = new BedrockAgentFunctionResolver(deps.logger ? { logger: deps.logger } : undefined);
  for (const spec of AGENT_FUNCTIONS) {
    resolver.tool(
      async (params, { event }) => {
        try {
          const tools = await deps.tools();
          const result = await tools.run(spec.name as ToolName, params);
          deps.onToolCall?.({ tool: spec.name, ok: true });
          return new BedrockFunctionResponse({
            body: fitBody(result, deps.maxBodyChars),
            sessionAttributes: event.sessionAttributes,
            promptSessionAttributes: event.promptSessionAttributes,
          });
        } catch (error) {
          const body = errorBody(error);
          deps.onToolCall?.({ tool: spec.name, ok: false, code: body.error.code });
          if (body.error.code === 'INTERNAL') deps.logger?.error(`tool ${spec.name} failed`, error);
          else deps.logger?.warn(`tool ${spec.name} refused or failed`, { error: body.error });
          return new BedrockFunctionResponse({
            body: JSON.stringify(body),
            ...(body.error.code === 'INVALID_TOOL_INPUT' ? { responseState: 'REPROMPT' as const } : {}),
            sessionAttributes: event.sessionAttributes,
            promptSessionAttributes: event.promptSessionAttributes,
          });
        }
      },
      { name: spec.name, description: spec.description },
    );
  }
  return async (event, context) => {
    try {
      return await resolver.resolve(event as BedrockAgentFunctionEvent, context);
    } catch (error) {
      // The resolver throws only when the event is not a function invocation (its shape check).
      deps.logger?.warn('malformed action-group event', { error: (error as Error).message });
      return malformedEventResponse(
        event,
        'not a Bedrock agent function invocation: expected messageVersion, agent, actionGroup, function, parameters [{name, type, value}], inputText, sessionId, sessionAttributes, promptSessionAttributes',
      );
    }
  };
}
