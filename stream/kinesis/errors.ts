import { PfmError } from '../../kernel/errors.js';

/** Failure kinds of the Kinesis adapters; `retryable` tells a caller whether trying again can help. */
export const KINESIS_ERROR_CODES = {
  recordTooLarge: 'RECORD_TOO_LARGE',
  invalidPartitionKey: 'INVALID_PARTITION_KEY',
  localStartFailed: 'KINESIS_LOCAL_START_FAILED',
  streamNotActive: 'STREAM_NOT_ACTIVE',
  requestFailed: 'KINESIS_REQUEST_FAILED',
} as const;
export type KinesisErrorCode = (typeof KINESIS_ERROR_CODES)[keyof typeof KINESIS_ERROR_CODES];

/** An error raised by the Kinesis adapters, with a stable code. */
export class KinesisError extends PfmError {
  declare readonly code: KinesisErrorCode;
  constructor(code: KinesisErrorCode, message: string, retryable = false, options?: { cause?: unknown }) {
    super(code, message, { retryable, cause: options?.cause });
    this.name = 'KinesisError';
  }
}
