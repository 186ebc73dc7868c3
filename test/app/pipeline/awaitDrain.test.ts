import { describe, expect, it } from 'vitest';
import { awaitDrain } from '../../../app/pipeline/awaitDrain.js';

/** A counter that a timer moves towards `to`, `step` at a time, then stops. */
function counter(to: number, step: number, everyMs = 5) {
  let value = 0;
  const timer = setInterval(() => {
    value = Math.min(to, value + step);
    if (value === to) clearInterval(timer);
  }, everyMs);
  return () => value;
}

describe('awaitDrain', () => {
  it('returns once the inference consumer has accounted for everything produced', async () => {
    const accounted = counter(100, 10);
    await awaitDrain({ produced: 100, accounted, failure: () => undefined, stopped: false, pollMs: 1 });
    expect(accounted()).toBe(100);
  });

  it('waits for the drift consumer too', async () => {
    const drift = counter(100, 5, 10);
    await awaitDrain({
      produced: 100,
      accounted: () => 100,
      driftHandled: drift,
      failure: () => undefined,
      stopped: false,
      pollMs: 1,
    });
    expect(drift()).toBe(100);
  });

  it("rethrows a consumer's fatal error instead of waiting", async () => {
    const fatal = new Error('ResourceNotFoundException: stream deleted');
    await expect(
      awaitDrain({ produced: 100, accounted: () => 40, failure: () => fatal, stopped: false, pollMs: 1 }),
    ).rejects.toBe(fatal);
  });

  it.each([
    { name: 'the inference consumer', accounted: 60, drift: 100, outstanding: 40 },
    { name: 'the drift consumer', accounted: 100, drift: 30, outstanding: 0 },
  ])('gives up when $name stalls, naming the records outstanding', async (c) => {
    await expect(
      awaitDrain({
        produced: 100,
        accounted: () => c.accounted,
        driftHandled: () => c.drift,
        failure: () => undefined,
        stopped: false,
        stallTimeoutMs: 50,
        pollMs: 1,
      }),
    ).rejects.toThrow(`no progress for 0.05 s with ${c.outstanding} record(s) outstanding`);
  });

  it('after a stop, returns at the drain deadline with records still outstanding', async () => {
    await expect(
      awaitDrain({
        produced: 100,
        accounted: () => 60,
        failure: () => undefined,
        stopped: true,
        drainAfterStopMs: 30,
        stallTimeoutMs: 60_000,
        pollMs: 1,
      }),
    ).resolves.toBeUndefined();
  });
});
