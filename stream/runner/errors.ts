import { PfmError } from '../../kernel/errors.js';

/** Failure kinds of the event-source runner. */
export const RUNNER_ERROR_CODES = {
  invalidConfig: 'INVALID_RUNNER_CONFIG',
  notRunning: 'RUNNER_NOT_RUNNING',
  idleTimeout: 'RUNNER_IDLE_TIMEOUT',
  corruptFile: 'RUNNER_CORRUPT_FILE',
} as const;
export type RunnerErrorCode = (typeof RUNNER_ERROR_CODES)[keyof typeof RUNNER_ERROR_CODES];

/** An error raised by the runner or its file stores, with a stable code. */
export class RunnerError extends PfmError {
  declare readonly code: RunnerErrorCode;
  constructor(code: RunnerErrorCode, message: string, retryable = false, options?: { cause?: unknown }) {
    super(code, message, { retryable, cause: options?.cause });
    this.name = 'RunnerError';
  }
}
