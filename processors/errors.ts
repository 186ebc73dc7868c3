/** Error codes the pipeline raises; `retryable` tells a runner whether trying again can help. */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'MODEL_MISMATCH',
  'SINK_UNAVAILABLE',
  'SINK_REJECTED',
  'STORE_CORRUPT',
] as const;
export type PfmErrorCode = (typeof ERROR_CODES)[number];

/** The one base error of the project: poison input is never retryable, a throttled or unreachable sink is. */
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

/** True for errors that a retry of the same batch may cure (throttling, a sink that is down). */
export function isRetryable(error: unknown): boolean {
  return error instanceof PfmError && error.retryable;
}
