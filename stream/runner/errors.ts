import { PfmError } from '../../kernel/errors.js';

/** Failure kinds of the event-source runner. */
export const RUNNER_ERROR_CODES = {
  invalidConfig: 'INVALID_RUNNER_CONFIG',
  notRunning: 'RUNNER_NOT_RUNNING',
  idleTimeout: 'RUNNER_IDLE_TIMEOUT',
  corruptFile: 'RUNNER_CORRUPT_FILE',
  engineUnreachable: 'RUNNER_ENGINE_UNREACHABLE',
  streamNotFound: 'RUNNER_STREAM_NOT_FOUND',
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

/**
 * The error a runner stops on, said so that a person knows what happened: a stream that is gone (deleted, or an
 * engine restarted without its data) is named as such; anything else is returned as it is.
 */
export function explainRunnerFailure(err: unknown, streamName: string): unknown {
  if (err instanceof Error && err.name === 'ResourceNotFoundException') {
    return new RunnerError(
      RUNNER_ERROR_CODES.streamNotFound,
      `stream ${streamName} (or a record of it) is not found: ${err.message}. Was the stream deleted, or the Kinesis engine restarted without its data?`,
      false,
      { cause: err },
    );
  }
  return err;
}
