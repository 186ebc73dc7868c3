/**
 * Waiting between attempts, one way for every client that retries (Kinesis writer and runner, the sinks, the
 * EventBridge publisher): full-jitter exponential backoff, with its randomness and its sleep injectable.
 */

/** Injected for tests and benchmarks: randomness of the jitter and the sleep between attempts. */
export interface RetryHooks {
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The waits of one retry loop. */
export interface Backoff {
  /** Sleeps the full-jitter delay that follows failed attempt `attempt` (1-based). */
  after(attempt: number): Promise<void>;
  /** Sleeps `ms` as given (a delay the server asked for), through the same injected sleep. */
  sleep(ms: number): Promise<void>;
}

/** Full-jitter exponential backoff: a random delay in [0, min(max, base * 2^(attempt-1))). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}

/** Sleep that an AbortSignal cuts short (resolves early rather than rejecting, so loops can check their flag). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  // Even a zero sleep yields to I/O and timers, so a polling loop cannot starve the event loop.
  if (ms <= 0) return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A Backoff between `baseDelayMs` and `maxDelayMs`; Math.random and a timer unless the hooks say otherwise. */
export function createBackoff(
  delays: { readonly baseDelayMs: number; readonly maxDelayMs: number },
  hooks: RetryHooks = {},
): Backoff {
  const random = hooks.random ?? Math.random;
  const wait = hooks.sleep ?? ((ms: number) => sleep(ms));
  return {
    after: (attempt) => wait(backoffDelay(attempt, delays.baseDelayMs, delays.maxDelayMs, random)),
    sleep: (ms) => wait(ms),
  };
}

/** How a deadline-bounded retry loop waits: full-jitter delays, and the time it keeps free at the end. */
export interface DeadlineRetrySettings {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Kept free before the deadline beyond one more attempt: to answer and flush (metrics, logs). */
  marginMs: number;
}

/** The waits of a retry loop bounded by a deadline rather than an attempt count. */
export interface DeadlineBackoff {
  /**
   * After failed attempt `attempt` (1-based), which took `attemptMs`: sleeps the full-jitter delay (cut short to
   * fit) and resolves true when one more attempt as long as that one still ends `marginMs` before the deadline;
   * resolves false at once, without sleeping, when it would not.
   */
  next(attempt: number, attemptMs: number): Promise<boolean>;
  /** Milliseconds left before the deadline. */
  remainingMs(): number;
}

/**
 * Full-jitter backoff until `deadlineMs` (epoch ms), e.g. an invocation's end (Lambda's
 * `context.getRemainingTimeInMillis()`): rides out an outage for as long as the caller may run, and stops in time
 * to report failure before it is cut off.
 */
export function createDeadlineBackoff(
  settings: DeadlineRetrySettings,
  deadlineMs: number,
  hooks: RetryHooks & { now?: () => number } = {},
): DeadlineBackoff {
  const random = hooks.random ?? Math.random;
  const wait = hooks.sleep ?? ((ms: number) => sleep(ms));
  const now = hooks.now ?? Date.now;
  const remainingMs = () => deadlineMs - now();
  return {
    remainingMs,
    async next(attempt, attemptMs) {
      const room = remainingMs() - Math.max(0, attemptMs) - settings.marginMs;
      if (room <= 0) return false;
      await wait(Math.min(room, backoffDelay(attempt, settings.baseDelayMs, settings.maxDelayMs, random)));
      return true;
    },
  };
}
