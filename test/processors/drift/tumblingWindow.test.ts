import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import { createDriftCore } from '../../../processors/drift/core.js';
import { FileDriftStateStore } from '../../../processors/drift/FileDriftStateStore.js';
import {
  createTumblingWindowHandler,
  type PartialOutcome,
  WINDOW_STATE_KEY,
} from '../../../processors/drift/handler.js';
import { modelEngineerFor } from '../../../processors/drift/modelFeatures.js';
import { loadDriftReference } from '../../../processors/drift/reference.js';
import type { DriftEvent, Evaluation } from '../../../processors/drift/types.js';
import { decodeWindow } from '../../../processors/drift/window.js';
import { LocalEventLog } from '../../../processors/events/LocalEventLog.js';
import type { EventPublisher } from '../../../processors/events/types.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import type { DriftInjection } from '../../../stream/simulator/types.js';
import {
  runTumblingPlan,
  type ShardLayout,
  type TumblingPlanOptions,
  tumblingEvent,
  tumblingPlan,
} from '../../fixtures/kinesis/tumblingWindows.js';
import { fleetCalibration, MemoryPublisher, MemoryScoreSink } from './fixtures.js';

const reference = loadDriftReference();
const engineer = modelEngineerFor(reference);
const calibration = fleetCalibration(reference);
const START = Date.parse('2026-01-01T00:00:00Z');
// 50 machines, one reading each per second: 3,000 readings a minute; windows of 1,000 readings.
const PERIOD_MS = 10_000;

function fleet(count: number, drift: DriftInjection[] = [], seed = 8) {
  return createSimulator({ machines: 50, seed, startTime: START, intervalMs: 1000, drift })
    .take(count)
    .map((s) => s.reading);
}

function setup(
  publisher: EventPublisher = new MemoryPublisher(),
  stateLimitBytes?: number,
  extra: Partial<Parameters<typeof createTumblingWindowHandler>[0]> = {},
) {
  const core = createDriftCore({ reference, engineer, calibration });
  const evaluations: Evaluation[] = [];
  const outcomes: PartialOutcome[] = [];
  const store = new FileDriftStateStore(mkdtempSync(join(tmpdir(), 'pfm-drift-state-')));
  const handler = createTumblingWindowHandler({
    core,
    store,
    publisher,
    scoreSink: new MemoryScoreSink(),
    rule: { windowRecords: 1000, maxSpanMs: undefined, shardRetentionMs: 7 * 24 * 3600_000 },
    ...(stateLimitBytes ? { stateLimitBytes } : {}),
    onEvaluation: (e) => evaluations.push(e),
    onPartial: (o) => outcomes.push(o),
    ...extra,
  });
  return { core, handler, evaluations, outcomes, store };
}

const plan = (
  readings: ReturnType<typeof fleet>,
  layouts: ShardLayout[],
  extra: Partial<TumblingPlanOptions> = {},
) => tumblingPlan(readings, { periodMs: PERIOD_MS, layouts, batchSize: 100, seed: 1, ...extra });

/** What a run produced: each evaluated window's readings, and the events. */
function summary(evaluations: Evaluation[]) {
  return {
    windows: evaluations.map((e) => ({ seq: e.window.seq, records: e.window.state.records })),
    events: evaluations.flatMap((e) =>
      e.events.map((x) => `${x.detailType}:${x.detail.scope.id}:${x.detail.window.seq}`),
    ),
  };
}

describe('Lambda tumbling-window handler: fleet windows whatever the shard count', () => {
  // +1 sd torque from the 7th 1,000-reading stretch on.
  const readings = fleet(15_000, [
    { feature: 'torqueNm', kind: 'offset', amount: 10, fromTime: START + 120_000 },
  ]);

  it('closes the same windows, with the same readings and events, on 1, 2 or 4 shards, and through a reshard', async () => {
    const runs = [];
    for (const layouts of [
      [{ from: 0, shards: 1 }],
      [{ from: 0, shards: 2 }],
      [{ from: 0, shards: 4 }],
      // AWS splits the stream's 2 shards into 5 half-way, then merges them into 3.
      [
        { from: 0, shards: 2 },
        { from: START + 100_000, shards: 5 },
        { from: START + 200_000, shards: 3 },
      ],
    ]) {
      const { handler, evaluations } = setup();
      const responses = await runTumblingPlan(plan(readings, layouts), handler);
      expect(responses.every((r) => r.batchItemFailures?.length === 0)).toBe(true);
      runs.push(summary(evaluations));
    }
    const [one, ...others] = runs;
    for (const other of others) expect(other).toEqual(one);
    // Windows of whole 10-second periods of a 50-reading-a-second fleet: 1,000 readings each, numbered 1, 2, ...
    expect(one?.windows.map((w) => w.seq)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(one?.windows.every((w) => w.records === 1000)).toBe(true);
    expect(one?.events).toContain('FeatureDriftDetected:fleet:7');
  });

  it('never waits for a shard that went quiet, and counts a late shard in the next window, losing nothing', async () => {
    // One device per shard of 4 goes silent a third of the way; one shard's final invocation of each period
    // comes after the next period has begun on the others.
    const quiet = ['M-0001', 'M-0002', 'M-0003'];
    const { handler, evaluations, store } = setup();
    await runTumblingPlan(
      plan(readings, [{ from: 0, shards: 4 }], {
        lateFinals: 1,
        silence: { devices: quiet, from: START + 100_000 },
      }),
      handler,
    );
    const sent = readings.filter(
      (r) => !(quiet.includes(r.deviceId) && r.timestamp >= START + 100_000),
    ).length;
    const open = (await store.readState())?.fleet.window.records ?? 0;
    const closed = evaluations.reduce((n, e) => n + e.window.state.records, 0);
    expect(closed + open).toBe(sent);
    // Every window holds at least the calibration's readings, and less than two periods more (one period, plus
    // a late shard's share of the period before).
    for (const e of evaluations) {
      expect(e.window.state.records).toBeGreaterThanOrEqual(1000);
      expect(e.window.state.records).toBeLessThan(2000);
    }
    expect(evaluations.length).toBeGreaterThanOrEqual(Math.floor(sent / 2000));
  });

  it('a retried or repeated final invocation is folded once; a failed publish goes out on the retry, ids unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfm-drift-log-'));
    const log = LocalEventLog.open(join(dir, 'events.jsonl'));
    let failures = 1;
    const flaky: EventPublisher = {
      async publish(events: readonly DriftEvent[]) {
        await log.publish(events.slice(0, 1));
        if (failures-- > 0) throw new PfmError('SINK_UNAVAILABLE', 'bus throttled', { retryable: true });
        await log.publish(events);
      },
    };
    const { handler, evaluations, outcomes } = setup(flaky);
    const steps = plan(readings.slice(0, 6000), [{ from: 0, shards: 2 }]);
    const states = new Map<string, Record<string, unknown>>();
    let failed = 0;
    for (const step of steps) {
      const event = tumblingEvent(step, states.get(step.shardId) ?? {});
      let out = await handler(event).catch((error: unknown) => error);
      if (out instanceof PfmError) {
        // Lambda retries the invocation with the same event and state.
        failed++;
        expect(out.retryable).toBe(true);
        out = await handler(event);
      }
      // ... and, being at-least-once, may deliver a final invocation yet again.
      if (step.final) await handler(event);
      states.set(step.shardId, step.final ? {} : ((out as { state: Record<string, unknown> }).state ?? {}));
    }
    expect(failed).toBe(1);
    expect(outcomes.filter((o) => o.duplicate).length).toBe(steps.filter((s) => s.final).length + 1);
    expect(evaluations.map((e) => e.window.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(evaluations.every((e) => e.window.state.records === 1000)).toBe(true);
    const ids = log.read().map((e) => e.detail.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('rides out a store outage within the invocation when it has the time (as inference does), and fails when it has not', async () => {
    // The store refuses the scores (retryable) for its first 5 writes: an outage of some seconds.
    let refusals = 5;
    const scores = new MemoryScoreSink();
    const flakySink = {
      async writeDriftScores(rows: Parameters<MemoryScoreSink['writeDriftScores']>[0]) {
        if (refusals-- > 0) throw new PfmError('SINK_UNAVAILABLE', 'store throttled', { retryable: true });
        await scores.writeDriftScores(rows);
      },
    };
    let clock = 0;
    const waits: number[] = [];
    const givenUp: number[] = [];
    const retry = {
      baseDelayMs: 200,
      maxDelayMs: 5_000,
      marginMs: 1_000,
      hooks: {
        now: () => clock,
        random: () => 1,
        sleep: async (ms: number) => {
          waits.push(ms);
          clock += ms;
        },
      },
    };
    const publisher = new MemoryPublisher();
    const { handler, evaluations } = setup(publisher, undefined, {
      scoreSink: flakySink,
      writeRetry: retry,
      onOutputGivenUp: ({ attempts }) => givenUp.push(attempts),
    });
    const steps = plan(readings.slice(0, 3000), [{ from: 0, shards: 1 }]);
    const states = new Map<string, Record<string, unknown>>();
    for (const step of steps) {
      // Every invocation may run 60 s more: enough to wait out the 5 refusals (0.2 + 0.4 + 0.8 + 1.6 + 3.2 s).
      const out = await handler(tumblingEvent(step, states.get(step.shardId) ?? {}), {
        getRemainingTimeInMillis: () => 60_000,
      });
      states.set(step.shardId, step.final ? {} : (out.state ?? {}));
    }
    expect(evaluations.length).toBeGreaterThan(0);
    expect(waits).toEqual([200, 400, 800, 1_600, 3_200]);
    expect(givenUp).toEqual([]);
    expect(scores.writes).toBe(evaluations.length);

    // With 2 s left, the same outage is given up on in time and the invocation fails (retryable): Lambda retries it.
    refusals = 5;
    const short = setup(new MemoryPublisher(), undefined, {
      scoreSink: flakySink,
      writeRetry: retry,
      onOutputGivenUp: ({ attempts }) => givenUp.push(attempts),
    });
    const states2 = new Map<string, Record<string, unknown>>();
    let failure: unknown;
    for (const step of steps) {
      const out = await short
        .handler(tumblingEvent(step, states2.get(step.shardId) ?? {}), {
          getRemainingTimeInMillis: () => 2_000,
        })
        .catch((error: unknown) => error);
      if (out instanceof PfmError) {
        failure = out;
        break;
      }
      states2.set(step.shardId, step.final ? {} : ((out as { state?: Record<string, unknown> }).state ?? {}));
    }
    expect(failure).toMatchObject({ retryable: true });
    expect(givenUp.length).toBe(1);
  });

  it("keeps each shard's state compact, and hands a partial about to outgrow it to the store early", async () => {
    const { handler } = setup();
    const [first] = plan(readings.slice(0, 500), [{ from: 0, shards: 1 }]);
    const out = await handler(tumblingEvent(first as never, {}));
    const text = out.state?.[WINDOW_STATE_KEY] as string;
    expect(Buffer.byteLength(text)).toBeLessThan(30_000);
    expect(decodeWindow(text).records).toBe(100);
    // With a 6 KB limit the partial goes to the store after each batch; nothing is lost.
    const small = setup(undefined, 6_000);
    await runTumblingPlan(plan(readings.slice(0, 6000), [{ from: 0, shards: 2 }]), small.handler);
    const open = (await small.store.readState())?.fleet.window.records ?? 0;
    expect(small.evaluations.reduce((n, e) => n + e.window.state.records, 0) + open).toBe(6000);
    expect(small.outcomes.length).toBeGreaterThan(60);
  });

  it('remembers the decision and the fleet window between invocations and cold starts (the store)', async () => {
    const { handler, store } = setup();
    await runTumblingPlan(plan(readings, [{ from: 0, shards: 3 }]), handler);
    const after = await store.readState();
    expect(after?.monitor.scopes.fleet?.state).toBe('DRIFT');
    expect(after?.monitor.lastSeq).toBe(14);
    expect(after?.fleet.seq).toBe(15);
    expect(after?.pending).toBeNull();
    expect(Object.keys(after?.fleet.shards ?? {})).toHaveLength(3);
  });
});

describe('LocalEventLog', () => {
  it('appends each event id once, across publishes and reopenings', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pfm-drift-log-')), 'drift-events.jsonl');
    const publisher = new MemoryPublisher();
    const readings = fleet(8000, [{ feature: 'torqueNm', kind: 'offset', amount: 20, fromTime: START }]);
    await runTumblingPlan(plan(readings, [{ from: 0, shards: 2 }]), setup(publisher).handler);
    const events = publisher.published;
    expect(events.length).toBeGreaterThan(1);
    const log = LocalEventLog.open(path);
    await log.publish(events);
    await log.publish(events);
    await LocalEventLog.open(path).publish([...events].reverse());
    expect(
      LocalEventLog.open(path)
        .read()
        .map((e) => e.detail.eventId),
    ).toEqual(events.map((e) => e.detail.eventId));
  });
});
