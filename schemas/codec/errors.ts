/**
 * A schema that is not valid Avro. The schema layer imports nothing of the project (README, "Layers"), so it
 * has its own error; like a `PfmError` it has a `code` and is never `retryable` (a bad schema stays bad).
 */
export class InvalidSchemaError extends Error {
  readonly code = 'SCHEMA_INVALID' as const;
  readonly retryable = false as const;

  constructor(message: string) {
    super(`invalid Avro schema: ${message}`);
    this.name = 'InvalidSchemaError';
  }
}
