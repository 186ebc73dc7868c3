import { z } from 'zod';
import { PfmError } from './errors.js';

/** A setting that must not be empty once trimmed. */
export const nonEmptyText = z.string().trim().min(1, 'must not be empty');

/** A DynamoDB table name: 3 to 255 of letters, digits, '_', '.', '-'. */
export const dynamoDbTableName = nonEmptyText.regex(
  /^[A-Za-z0-9_.-]{3,255}$/,
  "must be 3-255 characters of letters, digits, '_', '.', '-'",
);

/** A whole number within [min, max], given as text (an environment variable). */
export function wholeNumberText(min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** Parses settings once at the edge; throws CONFIG_INVALID naming every setting that is wrong (`what` says whose). */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new PfmError('CONFIG_INVALID', `invalid ${what}: ${problems}`);
  }
  return parsed.data;
}
