import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, createBackoff, createDeadlineBackoff, sleep } from '../../kernel/backoff.js';

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

describe('createDeadlineBackoff', () => {
  /** A clock that only the injected sleep moves. */
  function fakeTime(start = 1_000_000) {
    const clock = { now: start, waits: [] as number[] };
    return {
      clock,
      hooks: {
        now: () => clock.now,
        random: () => 0.5,
        sleep: async (ms: number) => {
          clock.waits.push(ms);
          clock.now += ms;
        },
      },
    };
  }
  const settings = { baseDelayMs: 200, maxDelayMs: 4_000, marginMs: 1_000 };

  it('keeps retrying a refused write (1 ms attempts) for as long as the deadline allows, then stops before it', async () => {
    const { clock, hooks } = fakeTime();
    const deadline = clock.now + 50_000;
    const backoff = createDeadlineBackoff(settings, deadline, hooks);
    let attempts = 0;
    for (;;) {
      attempts++;
      clock.now += 1; // the attempt: a refused connection fails at once
      if (!(await backoff.next(attempts, 1))) break;
    }
    // Waits grow 100, 200, 400, 800, 1600 then stay at 2000 (half the cap, random 0.5) until the deadline is near.
    expect(clock.waits.slice(0, 6)).toEqual([100, 200, 400, 800, 1_600, 2_000]);
    expect(clock.now).toBeLessThanOrEqual(deadline - settings.marginMs);
    expect(clock.now).toBeGreaterThan(deadline - settings.marginMs - 2_100);
    expect(attempts).toBeGreaterThan(20);
  });

  it('keeps time for one more attempt as long as the last one: a 10 s timeout is not started with 10 s left', async () => {
    const { clock, hooks } = fakeTime();
    const backoff = createDeadlineBackoff(settings, clock.now + 25_000, hooks);
    clock.now += 10_000; // the first attempt hung until its 10 s timeout; 15 s left
    expect(await backoff.next(1, 10_000)).toBe(true);
    clock.now += 10_000; // the second did too; under 5 s left, not enough for another 10 s and the margin
    expect(await backoff.next(2, 10_000)).toBe(false);
    expect(clock.waits).toEqual([100]);
  });

  it('cuts the last wait short so the final attempt still fits', async () => {
    const { clock, hooks } = fakeTime();
    const backoff = createDeadlineBackoff(
      { ...settings, baseDelayMs: 10_000, maxDelayMs: 10_000 },
      clock.now + 4_000,
      hooks,
    );
    expect(await backoff.next(1, 500)).toBe(true);
    expect(clock.waits).toEqual([2_500]); // 4000 - 500 (attempt) - 1000 (margin), not the 5000 drawn
    expect(await backoff.next(2, 500)).toBe(false);
    expect(clock.waits).toEqual([2_500]);
  });

  it('says no at once when the deadline has passed', async () => {
    const { clock, hooks } = fakeTime();
    const backoff = createDeadlineBackoff(settings, clock.now - 1, hooks);
    expect(await backoff.next(1, 0)).toBe(false);
    expect(backoff.remainingMs()).toBe(-1);
    expect(clock.waits).toEqual([]);
  });
});
