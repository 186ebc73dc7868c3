import { errorMessage } from '../../kernel/awsErrors.js';
import { CONNECTION_ERROR_CODES } from '../../kernel/errors.js';
import { RUNNER_ERROR_CODES, RunnerError } from './errors.js';
import type { EngineStats, RunnerNotice } from './types.js';

/** True when a call got no answer at all from the endpoint: the connection was refused, reset or timed out. */
export function isConnectionFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, name } = err as { code?: unknown; name?: unknown };
  return (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) || name === 'TimeoutError';
}

/** How an EngineHealth reports and gives up. */
export interface EngineHealthOptions {
  /** How long an outage may last before `onGiveUp`; undefined: never give up. */
  patienceMs: number | undefined;
  onNotice?: (notice: RunnerNotice) => void;
  /** Called once when an outage outlasts the patience, with the error to stop on. */
  onGiveUp: (err: RunnerError) => void;
  clock?: () => number;
}

/**
 * Whether the Kinesis endpoint answers, from the outcome of every call the runner makes. An outage (connections
 * refused or reset; throttling and service errors are answers) is announced once, shows in the stats while it
 * lasts, is announced again when it ends, and stops the runner once it outlasts the patience.
 */
export class EngineHealth {
  private since: number | undefined;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly clock: () => number;

  constructor(private readonly opts: EngineHealthOptions) {
    this.clock = opts.clock ?? Date.now;
  }

  /** A call got an answer (an error answer too): an outage going on is over. */
  answered(): void {
    if (this.since === undefined) return;
    const downMs = this.clock() - this.since;
    this.reset();
    this.opts.onNotice?.({ kind: 'engineReachable', downMs });
  }

  /** A call failed: a connection failure starts an outage or goes on with it; any other error is an answer. */
  failed(err: unknown): void {
    if (!isConnectionFailure(err)) {
      this.answered();
      return;
    }
    this.lastError = errorMessage(err);
    if (this.since !== undefined) return;
    const since = this.clock();
    this.since = since;
    const { patienceMs } = this.opts;
    this.opts.onNotice?.({ kind: 'engineUnreachable', since, error: this.lastError, patienceMs });
    if (patienceMs !== undefined) {
      this.timer = setTimeout(() => {
        const err = this.unreachableError();
        if (err !== undefined) this.opts.onGiveUp(err);
      }, patienceMs);
      this.timer.unref();
    }
  }

  /** The error that says for how long and why the endpoint has been unreachable; undefined when it answers. */
  unreachableError(): RunnerError | undefined {
    if (this.since === undefined) return undefined;
    const forMs = this.clock() - this.since;
    return new RunnerError(
      RUNNER_ERROR_CODES.engineUnreachable,
      `the Kinesis endpoint has been unreachable for ${forMs} ms (unreachable since ${new Date(this.since).toISOString()}): ${this.lastError}`,
      true,
    );
  }

  /** The outage going on, if any. */
  snapshot(): EngineStats {
    return { unreachableSince: this.since, lastError: this.lastError };
  }

  /** Forgets any outage and its timer (a new run starts, or the runner stopped). */
  reset(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.since = undefined;
    this.lastError = undefined;
  }
}
