import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventSourceRunner,
  type EventSourceRunnerOptions,
} from '../../../stream/runner/EventSourceRunner.js';
import type { DeadLetterEntry, RunnerNotice } from '../../../stream/runner/types.js';
import { FakeKinesis, kinesisError, record } from './fakeKinesis.js';

// The runner stands in for Lambda's Kinesis event source mapping; each case here is one of its documented rules:
// https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html (error handling, bisecting a batch)
// https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
// https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html (defaults and ranges)

const runners: EventSourceRunner[] = [];
afterEach(async () => {
  await Promise.allSettled(runners.splice(0).map((r) => r.stop()));
});

const T0 = 1_700_000_000_000;
const seqs = (...ns: number[]): string[] => ns.map((n) => String(n * 10));
const at = (seq: string, arrival: number) => ({
  ...record(seq),
  ApproximateArrivalTimestamp: new Date(arrival),
});

/** A runner over one FakeKinesis shard that logs every batch it delivers and every dead letter. */
function setup(
  shardSeqs: string[],
  handler: (seqs: string[], call: number) => KinesisStreamBatchResponse | undefined,
  opts: Partial<EventSourceRunnerOptions> = {},
  records = shardSeqs.map((s) => record(s)),
) {
  const fake = new FakeKinesis([{ shardId: 'shard-0', records }]);
  const batches: string[][] = [];
  const dead: DeadLetterEntry[] = [];
  const notices: RunnerNotice[] = [];
  const saved: string[] = [];
  const runner = new EventSourceRunner({
    client: fake.client,
    streamName: 'readings',
    handler: async (event: KinesisStreamEvent) => {
      const batch = event.Records.map((r) => r.kinesis.sequenceNumber);
      batches.push(batch);
      return handler(batch, batches.length);
    },
    startingPosition: 'TRIM_HORIZON',
    checkpointStore: {
      load: async () => ({ shards: {} }),
      save: async (_stream, _shard, seq) => {
        saved.push(seq);
      },
    },
    deadLetter: {
      put: async (entries) => {
        dead.push(...entries);
      },
    },
    pollIntervalMs: 0,
    retryDelayMs: 0,
    random: () => 0,
    onNotice: (n) => notices.push(n),
    ...opts,
  });
  runners.push(runner);
  return { fake, runner, batches, dead, notices, saved };
}

const throwsOn =
  (poison: string) =>
  (batch: string[]): undefined => {
    if (batch.includes(poison)) throw new Error(`cannot handle ${poison}`);
    return undefined;
  };

describe('BisectBatchOnFunctionError', () => {
  it('splits a failing batch in two until the bad record is alone, and gives up on that record only', async () => {
    const { runner, batches, dead, saved } = setup(seqs(1, 2, 3, 4, 5, 6, 7, 8), throwsOn('50'), {
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      maxRetryAttempts: 0,
    });
    await runner.start();
    await runner.waitForIdle({ quietMs: 0 });
    expect(batches).toEqual([
      seqs(1, 2, 3, 4, 5, 6, 7, 8),
      seqs(1, 2, 3, 4),
      seqs(5, 6, 7, 8),
      seqs(5, 6),
      seqs(5),
      seqs(6),
      seqs(7, 8),
    ]);
    expect(dead.map((d) => [d.sequenceNumber, d.condition, d.reason])).toEqual([
      ['50', 'RetryAttemptsExhausted', 'cannot handle 50'],
    ]);
    expect(saved.at(-1)).toBe('80');
    expect(runner.stats()).toMatchObject({ succeeded: 7, deadLettered: 1 });
  });

  it('does not count a split against MaximumRetryAttempts: only the lone record is retried', async () => {
    const { runner, batches, dead } = setup(seqs(1, 2, 3, 4), throwsOn('30'), {
      bisectBatchOnFunctionError: true,
      maxRetryAttempts: 2,
    });
    await runner.start();
    await runner.waitForIdle({ quietMs: 0 });
    // 4 -> 2 + 2 -> the failing pair splits -> [30] is delivered once and retried twice.
    expect(batches).toEqual([seqs(1, 2, 3, 4), seqs(1, 2), seqs(3, 4), seqs(3), seqs(3), seqs(3), seqs(4)]);
    expect(dead.map((d) => [d.sequenceNumber, d.attempts])).toEqual([['30', 3]]);
  });

  it('with ReportBatchItemFailures, retries only the remaining records of the batch, not a fresh read', async () => {
    const reportThirty = (batch: string[], call: number): KinesisStreamBatchResponse | undefined =>
      call === 1 ? { batchItemFailures: [{ itemIdentifier: batch[2] ?? '' }] } : undefined;
    const bisect = setup(seqs(1, 2, 3, 4, 5, 6), reportThirty, {
      batchSize: 4,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
    });
    await bisect.runner.start();
    await bisect.runner.waitForIdle({ quietMs: 0 });
    expect(bisect.batches).toEqual([seqs(1, 2, 3, 4), seqs(3, 4), seqs(5, 6)]);

    // Without bisecting, Lambda retries from the checkpoint: a new batch from the failed record on.
    const plain = setup(seqs(1, 2, 3, 4, 5, 6), reportThirty, {
      batchSize: 4,
      reportBatchItemFailures: true,
    });
    await plain.runner.start();
    await plain.runner.waitForIdle({ quietMs: 0 });
    expect(plain.batches).toEqual([seqs(1, 2, 3, 4), seqs(3, 4, 5, 6)]);
  });
});

describe('ReportBatchItemFailures', () => {
  it('is off by default, as in Lambda: a partial-failure response then counts as a success', async () => {
    const { runner, batches, saved } = setup(seqs(1, 2, 3), () => ({
      batchItemFailures: [{ itemIdentifier: '20' }],
    }));
    await runner.start();
    await runner.waitForIdle({ quietMs: 0 });
    expect(batches).toEqual([seqs(1, 2, 3)]);
    expect(saved).toEqual(['30']);
  });
});

describe('MaximumRetryAttempts', () => {
  it("defaults to Lambda's -1: a failing batch is retried, never given up on for its retry count", async () => {
    const { runner, batches, dead } = setup(seqs(1, 2), (_batch, call) => {
      if (call <= 6) throw new Error(`failure ${call}`);
      return undefined;
    });
    await runner.start();
    await runner.waitForIdle({ quietMs: 0 });
    expect(batches).toHaveLength(7);
    expect(dead).toEqual([]);
    expect(runner.stats()).toMatchObject({ succeeded: 2, deadLettered: 0 });
  });
});

describe('MaximumRecordAgeInSeconds', () => {
  it('sends records older than the maximum age to the dead letter without invoking the function', async () => {
    const records = [at('10', T0), at('20', T0 + 1_000), at('30', T0 + 100_000), at('40', T0 + 101_000)];
    const { runner, batches, dead, saved } = setup(
      [],
      () => undefined,
      {
        maxRecordAgeSeconds: 60,
        now: () => T0 + 110_000,
      },
      records,
    );
    await runner.start();
    await runner.waitForIdle({ quietMs: 0 });
    expect(batches).toEqual([seqs(3, 4)]);
    expect(dead.map((d) => [d.sequenceNumber, d.condition])).toEqual([
      ['10', 'RecordAgeExceeded'],
      ['20', 'RecordAgeExceeded'],
    ]);
    expect(saved).toEqual(['20', '40']);
    expect(runner.stats()).toMatchObject({ delivered: 2, succeeded: 2, deadLettered: 2 });
  });

  it('bounds the retries of the default -1: a record failing forever is given up on once it is too old', async () => {
    let clock = T0;
    const records = [at('10', T0), at('20', T0)];
    const { runner, batches, dead } = setup(
      [],
      (batch) => {
        clock += 25_000;
        if (batch.includes('10')) throw new Error('poison');
        return undefined;
      },
      { maxRecordAgeSeconds: 60, now: () => clock },
      records,
    );
    await runner.start();
    await runner.waitForIdle({ quietMs: 0 });
    // Delivered at ages 0, 25 and 50 s; at 75 s both records are past 60 s and go to the dead letter unseen.
    expect(batches).toEqual([seqs(1, 2), seqs(1, 2), seqs(1, 2)]);
    expect(dead.map((d) => [d.sequenceNumber, d.condition])).toEqual([
      ['10', 'RecordAgeExceeded'],
      ['20', 'RecordAgeExceeded'],
    ]);
  });

  it.each([0, 59, 604_801, -2])(
    'refuses %i, as Lambda does (-1, or 60 to 604,800)',
    (maxRecordAgeSeconds) => {
      expect(() => setup([], () => undefined, { maxRecordAgeSeconds })).toThrow(/maxRecordAgeSeconds/);
    },
  );

  it.each([-1, 60, 604_800])('accepts %i', (maxRecordAgeSeconds) => {
    expect(() => setup([], () => undefined, { maxRecordAgeSeconds })).not.toThrow();
  });
});

/** An error shaped as the SDK's node handler raises it when nothing listens on the endpoint's port. */
const refused = (): Error =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4567'), { code: 'ECONNREFUSED' });

describe('an unreachable engine', () => {
  it('is reported once when it goes away and once when it is back, and shows in the stats meanwhile', async () => {
    const { fake, runner, notices, batches } = setup(seqs(1), () => undefined, { maxRetryDelayMs: 5 });
    let down = false;
    fake.interfere = (c) => {
      if (down && c.name === 'GetRecords') throw refused();
    };
    await runner.start();
    await runner.waitForIdle({ quietMs: 0 });
    down = true;
    await expect.poll(() => runner.stats().engine.unreachableSince).toBeTypeOf('number');
    expect(runner.stats().engine.lastError).toContain('ECONNREFUSED');
    expect(runner.caughtUp()).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    down = false;
    fake.shards[0]?.records.push(record('20'));
    await runner.waitForIdle({ quietMs: 0 });
    expect(batches).toEqual([seqs(1), seqs(2)]);
    expect(notices.map((n) => n.kind)).toEqual(['engineUnreachable', 'engineReachable']);
    expect(runner.stats().engine.unreachableSince).toBeUndefined();
  });

  it('stops the runner once it has been unreachable for longer than the patience', async () => {
    const errors: unknown[] = [];
    const { fake, runner } = setup(seqs(1), () => undefined, {
      maxRetryDelayMs: 5,
      enginePatienceMs: 100,
      onError: (err) => errors.push(err),
    });
    await runner.start();
    await runner.waitForIdle({ quietMs: 0 });
    fake.interfere = () => {
      throw refused();
    };
    await expect.poll(() => errors.length, { timeout: 5_000 }).toBe(1);
    expect(errors[0]).toMatchObject({ code: 'RUNNER_ENGINE_UNREACHABLE' });
    expect(String((errors[0] as Error).message)).toMatch(/unreachable for \d+ ms.*ECONNREFUSED/);
    await expect(runner.stop()).rejects.toMatchObject({ code: 'RUNNER_ENGINE_UNREACHABLE' });
  });

  it('makes waitForIdle say the engine is unreachable, not that the stream was not idle', async () => {
    const { fake, runner } = setup(seqs(1), () => undefined, { maxRetryDelayMs: 5 });
    fake.interfere = (c) => {
      if (c.name === 'GetRecords') throw refused();
    };
    await runner.start();
    await expect(runner.waitForIdle({ quietMs: 0, timeoutMs: 200 })).rejects.toMatchObject({
      code: 'RUNNER_ENGINE_UNREACHABLE',
      message: expect.stringMatching(/unreachable since .*ECONNREFUSED/),
    });
  });

  it('a throttled engine is not an unreachable one', async () => {
    const { fake, runner, notices } = setup(seqs(1), () => undefined, { maxRetryDelayMs: 5 });
    let throttles = 3;
    fake.interfere = (c) => {
      if (c.name === 'GetRecords' && throttles-- > 0)
        throw kinesisError('ProvisionedThroughputExceededException');
    };
    await runner.start();
    await runner.waitForIdle({ quietMs: 0 });
    expect(notices).toEqual([]);
    expect(runner.stats().engine.unreachableSince).toBeUndefined();
  });
});
