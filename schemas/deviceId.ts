/**
 * The one device id rule of the contract (schemas/README.md, "Device ids"): a letter or digit, then letters,
 * digits, '.', '_' or '-', at most 64 characters. Ingestion refuses any other id (the reading is quarantined
 * INVALID_FIELD), so every id a store holds is one the agent's tools can look up, and none can carry a quote,
 * a space, a backslash or a line break into a query, a line-protocol tag or a Timestream dimension.
 */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const DEVICE_ID_MAX_LENGTH = 64;

/** The rule in words, for error messages. */
export const DEVICE_ID_RULE =
  'letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64 characters (e.g. M-0042)';

/** True when `id` is a device id by the contract's rule. */
export function isDeviceId(id: unknown): id is string {
  return typeof id === 'string' && DEVICE_ID_PATTERN.test(id);
}

/** Why `id` is not a device id, or undefined when it is one. */
export function deviceIdProblem(id: unknown): string | undefined {
  if (isDeviceId(id)) return undefined;
  const shown = typeof id === 'string' ? JSON.stringify(id.slice(0, 40)) : String(id);
  return `deviceId ${shown} is not a device id: ${DEVICE_ID_RULE}`;
}
