/** Failure kinds of the event-source runner. */
export const RUNNER_ERROR_CODES = {
  invalidConfig: 'INVALID_RUNNER_CONFIG',
  notRunning: 'RUNNER_NOT_RUNNING',
  idleTimeout: 'RUNNER_IDLE_TIMEOUT',
  corruptFile: 'RUNNER_CORRUPT_FILE',
} as const;
export type RunnerErrorCode = (typeof RUNNER_ERROR_CODES)[keyof typeof RUNNER_ERROR_CODES];

/** An error raised by the runner or its file stores, with a stable code. */
export class RunnerError extends Error {
  override readonly name = 'RunnerError';
  constructor(
    readonly code: RunnerErrorCode,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
