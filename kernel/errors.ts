/** Error codes the pipeline raises; `retryable` tells a runner whether trying again can help. */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'MODEL_MISMATCH',
  'SINK_UNAVAILABLE',
  'SINK_REJECTED',
  'STORE_CORRUPT',
  'STATE_TOO_LARGE',
  // stream/kinesis
  'RECORD_TOO_LARGE',
  'INVALID_PARTITION_KEY',
  'KINESIS_LOCAL_START_FAILED',
  'STREAM_NOT_ACTIVE',
  'KINESIS_REQUEST_FAILED',
  // stream/runner
  'INVALID_RUNNER_CONFIG',
  'RUNNER_NOT_RUNNING',
  'RUNNER_IDLE_TIMEOUT',
  'RUNNER_CORRUPT_FILE',
  'RUNNER_ENGINE_UNREACHABLE',
  'RUNNER_STREAM_NOT_FOUND',
  // stream/simulator
  'INVALID_SIMULATOR_OPTIONS',
  'INVALID_DRIFT_SPEC',
  // processors/agent and the store's query side
  'INVALID_TOOL_INPUT',
  'STORE_QUERY_FAILED',
  'AGENT_THROTTLED',
  'AGENT_ACCESS_DENIED',
  'AGENT_NOT_FOUND',
  'AGENT_TIMEOUT',
  'AGENT_FAILED',
] as const;
export type PfmErrorCode = (typeof ERROR_CODES)[number];

/** The one base error of the project (subsystems subclass it with their own codes): poison input is never retryable, a throttled or unreachable sink is. */
export class PfmError extends Error {
  readonly code: PfmErrorCode;
  readonly retryable: boolean;

  constructor(code: PfmErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PfmError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Node socket error codes that mean a request may not have reached the server, or its answer was lost. */
export const CONNECTION_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** True for errors that a retry of the same batch may cure (throttling, a sink that is down). */
export function isRetryable(error: unknown): boolean {
  return error instanceof PfmError && error.retryable;
}
