import { SINK_DEFAULTS } from './constants.js';
import type { RetrySettings } from './types.js';

/** A remote sink's retry settings: what is given, SINK_DEFAULTS for the rest. */
export function sinkRetrySettings(retry: Partial<RetrySettings> = {}): RetrySettings {
  return {
    maxAttempts: retry.maxAttempts ?? SINK_DEFAULTS.maxAttempts,
    baseDelayMs: retry.baseDelayMs ?? SINK_DEFAULTS.baseDelayMs,
    maxDelayMs: retry.maxDelayMs ?? SINK_DEFAULTS.maxDelayMs,
  };
}
