import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  backOffAfterFailedCall,
  callKinesis,
  type KinesisCallRetry,
} from '../../../stream/runner/kinesisCallRetry.js';
import { kinesisError, settle } from './fakeKinesis.js';

afterEach(() => {
  vi.useRealTimers();
});

const retry = (signal = new AbortController().signal): KinesisCallRetry => ({
  signal,
  maxDelayMs: 10_000,
  random: () => 0,
});

/** A call that fails with `errors` in turn, then answers 'ok'; counts its attempts. */
function flaky(...errors: unknown[]): { call: () => Promise<string>; attempts: () => number } {
  let attempts = 0;
  return {
    call: async () => {
      const err = errors[attempts++];
      if (err !== undefined) throw err;
      return 'ok';
    },
    attempts: () => attempts,
  };
}

describe('callKinesis', () => {
  it('retries throttling, 5xx and broken connections until the call succeeds', async () => {
    const { call, attempts } = flaky(
      kinesisError('ProvisionedThroughputExceededException'),
      kinesisError('InternalFailure', 500),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    );
    expect(await callKinesis(call, retry())).toBe('ok');
    expect(attempts()).toBe(4);
  });

  it.each([
    { name: 'a missing stream', err: kinesisError('ResourceNotFoundException') },
    { name: 'a bad argument', err: kinesisError('InvalidArgumentException') },
    { name: 'a plain error', err: new Error('bug') },
  ])('throws $name at once', async ({ err }) => {
    const { call, attempts } = flaky(err);
    await expect(callKinesis(call, retry())).rejects.toBe(err);
    expect(attempts()).toBe(1);
  });

  it('stops retrying once the runner stops, and throws the last error', async () => {
    const stop = new AbortController();
    stop.abort();
    const throttled = kinesisError('ThrottlingException');
    const { call, attempts } = flaky(throttled, throttled);
    await expect(callKinesis(call, retry(stop.signal))).rejects.toBe(throttled);
    expect(attempts()).toBe(1);
  });
});

describe('backOffAfterFailedCall', () => {
  it('waits the backoff, and a stop cuts the wait short', async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    let waited = false;
    // Attempt 20 with random 0.5: half of maxDelayMs, 5,000 ms.
    void backOffAfterFailedCall(20, { signal: stop.signal, maxDelayMs: 10_000, random: () => 0.5 }).then(
      () => {
        waited = true;
      },
    );
    await vi.advanceTimersByTimeAsync(4_999);
    expect(waited).toBe(false);
    stop.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(waited).toBe(true);
  });

  it('ends after the backoff when nothing stops it', async () => {
    vi.useFakeTimers();
    let waited = false;
    // Attempt 3 with random 0.5: half of 100 * 2^2, 200 ms.
    const never = new AbortController().signal;
    void backOffAfterFailedCall(3, { signal: never, maxDelayMs: 10_000, random: () => 0.5 }).then(() => {
      waited = true;
    });
    await vi.advanceTimersByTimeAsync(199);
    expect(waited).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(waited).toBe(true);
  });

  it('does not wait at all once stopped', async () => {
    const stop = new AbortController();
    stop.abort();
    let waited = false;
    void backOffAfterFailedCall(20, { signal: stop.signal, maxDelayMs: 3_600_000, random: () => 0.99 }).then(
      () => {
        waited = true;
      },
    );
    await settle(1);
    expect(waited).toBe(true);
  });
});
