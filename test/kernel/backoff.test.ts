import { describe, expect, it } from 'vitest';
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

describe('sleep', () => {
  it('resolves at once when its signal is already aborted, and early when it is aborted while sleeping', async () => {
    const aborted = AbortSignal.abort();
    await sleep(600_000, aborted);
    const controller = new AbortController();
    const pending = sleep(600_000, controller.signal);
    controller.abort();
    await pending;
  });
});
