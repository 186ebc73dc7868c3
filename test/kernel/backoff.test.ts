import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, createBackoff, sleep } from '../../kernel/backoff.js';

describe('backoffDelay', () => {
  it.each([
    // attempt, random, expected: floor(random * min(max, base * 2^(attempt-1))) with base 100, max 1000
    [1, 0.5, 50],
    [2, 0.5, 100],
    [3, 0.5, 200],
    [4, 0.5, 400],
    [5, 0.5, 500],
    [9, 0.5, 500],
    [3, 0, 0],
    [3, 0.999, 399],
    [0, 0.5, 50],
  ])('attempt %i with random %d waits %i ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, 100, 1_000, () => random)).toBe(expected);
  });
});

describe('createBackoff', () => {
  it('sleeps the full-jitter delay after an attempt, and a given delay as it is, through the injected sleep', async () => {
    const waits: number[] = [];
    const backoff = createBackoff(
      { baseDelayMs: 100, maxDelayMs: 1_000 },
      { random: () => 0.5, sleep: async (ms) => void waits.push(ms) },
    );
    for (const attempt of [1, 2, 3, 4, 5]) await backoff.after(attempt);
    await backoff.sleep(1_234);
    expect(waits).toEqual([50, 100, 200, 400, 500, 1_234]);
  });

  it('draws the jitter only when it backs off', async () => {
    let draws = 0;
    const backoff = createBackoff(
      { baseDelayMs: 100, maxDelayMs: 1_000 },
      {
        random: () => {
          draws++;
          return 0.5;
        },
        sleep: async () => undefined,
      },
    );
    await backoff.sleep(10);
    expect(draws).toBe(0);
    await backoff.after(1);
    expect(draws).toBe(1);
  });
});

/** Whether `promise` has settled once the microtasks queued so far have run: no timer fires in between. */
async function settledNow(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return settled;
}

// Fake timers: a sleep that ignored its signal would wait for a timer that never fires, and the test would
// fail at once on `settledNow(...) === false` rather than by timing out.
describe('sleep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after its delay and not before', async () => {
    const pending = sleep(600_000);
    await vi.advanceTimersByTimeAsync(599_999);
    expect(await settledNow(pending)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(pending)).toBe(true);
  });

  it('resolves at once, setting no timer, when its signal is already aborted', async () => {
    const pending = sleep(600_000, AbortSignal.abort());
    expect(vi.getTimerCount()).toBe(0);
    expect(await settledNow(pending)).toBe(true);
  });

  it('resolves as soon as its signal is aborted while it sleeps, and clears its timer', async () => {
    const controller = new AbortController();
    const pending = sleep(600_000, controller.signal);
    expect(await settledNow(pending)).toBe(false);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    expect(await settledNow(pending)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
