import { sleep } from '../../kernel/backoff.js';

export interface DrainOptions {
  /** Records the producer wrote. */
  produced: number;
  /** Records the inference consumer has accounted for: scored, quarantined or dead-lettered. */
  accounted: () => number;
  /** Records the drift consumer has handled; absent when no drift monitor runs. */
  driftHandled?: () => number;
  /** A consumer's fatal error, if one failed: rethrown instead of waiting on. */
  failure: () => unknown;
  /** The run was stopped (Ctrl-C): what was produced drains for `drainAfterStopMs` at most. */
  stopped: boolean;
  /** Give up when no consumer makes progress for this long; default 60 s. */
  stallTimeoutMs?: number;
  /** Default 15 s. */
  drainAfterStopMs?: number;
  /** How often to look; default 20 ms. */
  pollMs?: number;
}

/**
 * Waits until every record produced has come out of each consumer. Throws a consumer's fatal error, or an
 * error naming the records outstanding when nothing moves for the stall timeout; after a stop, returns at
 * the drain deadline with records still outstanding (the summary then says what is missing).
 */
export async function awaitDrain(opts: DrainOptions): Promise<void> {
  const stallTimeoutMs = opts.stallTimeoutMs ?? 60_000;
  const pollMs = opts.pollMs ?? 20;
  const driftHandled = opts.driftHandled;
  const moved = () => opts.accounted() + (driftHandled?.() ?? 0);
  const outstanding = () =>
    opts.accounted() < opts.produced || (driftHandled !== undefined && driftHandled() < opts.produced);
  const deadline = opts.stopped
    ? performance.now() + (opts.drainAfterStopMs ?? 15_000)
    : Number.POSITIVE_INFINITY;
  let seen = moved();
  let lastChange = performance.now();
  while (outstanding() && performance.now() < deadline) {
    const failure = opts.failure();
    if (failure !== undefined) throw failure;
    await sleep(pollMs);
    if (moved() !== seen) {
      seen = moved();
      lastChange = performance.now();
    } else if (performance.now() - lastChange > stallTimeoutMs) {
      throw new Error(
        `no progress for ${stallTimeoutMs / 1000} s with ${opts.produced - opts.accounted()} record(s) outstanding`,
      );
    }
  }
}
