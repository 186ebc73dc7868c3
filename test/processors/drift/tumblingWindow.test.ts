import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createDriftCore } from '../../../processors/drift/core.js';
import { FileDriftStateStore } from '../../../processors/drift/FileDriftStateStore.js';
import {
  createTumblingWindowHandler,
  type TumblingWindowEvent,
  WINDOW_STATE_KEY,
} from '../../../processors/drift/handler.js';
import { LocalEventLog } from '../../../processors/drift/LocalEventLog.js';
import { modelEngineerFor } from '../../../processors/drift/modelFeatures.js';
import { loadDriftReference } from '../../../processors/drift/reference.js';
import type { Evaluation } from '../../../processors/drift/types.js';
import { decodeWindow, emptyWindow, momentsOf } from '../../../processors/drift/window.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import { fleetCalibration, MemoryPublisher, MemoryScoreSink, shardedReadings } from './fixtures.js';

const reference = loadDriftReference();
const engineer = modelEngineerFor(reference);
const calibration = fleetCalibration(reference);
const WINDOW = { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:05:00Z' };

function setup(publisher: MemoryPublisher | LocalEventLog = new MemoryPublisher()) {
  const core = createDriftCore({ reference, engineer, calibration });
  const evaluations: Evaluation[] = [];
  const store = new FileDriftStateStore(mkdtempSync(join(tmpdir(), 'pfm-drift-state-')));
  const handler = createTumblingWindowHandler({
    core,
    store,
    publisher,
    scoreSink: new MemoryScoreSink(),
    expectedShards: 2,
    onEvaluation: (e) => evaluations.push(e),
  });
  return { core, handler, evaluations, store };
}

function invoke(
  records: KinesisStreamRecord[],
  shardId: string,
  state: Record<string, unknown> | undefined,
  final: boolean,
  window = WINDOW,
): TumblingWindowEvent {
  return {
    Records: records,
    window,
    state: state ?? {},
    shardId,
    isFinalInvokeForWindow: final,
    isWindowTerminatedEarly: false,
  };
}

// One 5-minute window of a drifting fleet (+2 sd torque), 2,000 readings over 2 shards.
const readings = createSimulator({
  machines: 50,
  seed: 8,
  startTime: 0,
  intervalMs: 1000,
  drift: [{ feature: 'torqueNm', kind: 'offset', amount: 20, fromTime: 0 }],
})
  .take(2000)
  .map((s) => s.reading);
const shards = [...shardedReadings(readings).entries()];
const shardEntry = shards[0] as (typeof shards)[number];

/** Runs both shards' invocations (batches of 300) for the window; returns the final responses. */
async function runWindow(handler: ReturnType<typeof setup>['handler']) {
  const responses = [];
  for (const [shardId, { records }] of shards) {
    let state: Record<string, unknown> | undefined;
    for (let i = 0; i < records.length; i += 300) {
      const out = await handler(invoke(records.slice(i, i + 300), shardId, state, false));
      expect(out.batchItemFailures).toEqual([]);
      state = out.state;
    }
    responses.push(await handler(invoke([], shardId, state, true)));
  }
  return responses;
}

describe('Lambda tumbling-window handler', () => {
  it('carries the window in the state, merges the shards exactly at the end, and evaluates once', async () => {
    const { core, handler, evaluations } = setup();
    const responses = await runWindow(handler);
    expect(responses.every((r) => JSON.stringify(r.state) === '{}')).toBe(true);
    expect(evaluations).toHaveLength(1);
    const merged = evaluations[0]?.window.state;
    const single = emptyWindow();
    for (const r of readings) core.add(single, r);
    expect(merged?.records).toBe(2000);
    for (const scope of ['fleet', 'quality:L', 'quality:M', 'quality:H'] as const) {
      const a = merged?.scopes[scope];
      const b = single.scopes[scope];
      expect(a?.records).toBe(b?.records);
      expect(a?.devices).toEqual(b?.devices);
      a?.features.forEach((f, j) => {
        const g = b?.features[j];
        expect(f.bins).toEqual(g?.bins);
        expect(f.n).toBe(g?.n);
        const ref = reference.features[j]?.mean ?? 0;
        expect(momentsOf(f, ref).mean).toBeCloseTo(momentsOf(g as never, ref).mean, 9);
        expect(momentsOf(f, ref).variance).toBeCloseTo(momentsOf(g as never, ref).variance, 6);
      });
    }
    expect(evaluations[0]?.window).toMatchObject({
      seq: Date.parse(WINDOW.start),
      start: Date.parse(WINDOW.start),
      end: Date.parse(WINDOW.end),
    });
    expect(
      evaluations[0]?.events.some(
        (e) => e.detailType === 'FeatureDriftDetected' && e.detail.scope.kind === 'fleet',
      ),
    ).toBe(true);
  });

  it('keeps the state compact (well under the 1 MB Lambda allows)', async () => {
    const { handler } = setup();
    const [shardId, { records }] = shards[0] ?? ['', { records: [] }];
    const out = await handler(invoke(records, shardId, undefined, false));
    const text = out.state[WINDOW_STATE_KEY] as string;
    expect(Buffer.byteLength(text)).toBeLessThan(20_000);
    expect(decodeWindow(text).records).toBe(records.length);
  });

  it('a failed publish is retried by Lambda with the same state: events go out once, with the same ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pfm-drift-log-'));
    const log = LocalEventLog.open(join(dir, 'events.jsonl'));
    let failNext = true;
    const flaky = {
      async publish(events: Parameters<LocalEventLog['publish']>[0]) {
        await log.publish(events.slice(0, 1));
        if (failNext) {
          failNext = false;
          const { PfmError } = await import('../../../kernel/errors.js');
          throw new PfmError('SINK_UNAVAILABLE', 'bus throttled', { retryable: true });
        }
        await log.publish(events);
      },
    };
    const { handler, evaluations } = setup(flaky as unknown as LocalEventLog);
    const [[shardA, a], [shardB, b]] = shards as [typeof shardEntry, typeof shardEntry];
    const stateA = (await handler(invoke(a.records, shardA, undefined, false))).state;
    const stateB = (await handler(invoke(b.records, shardB, undefined, false))).state;
    await handler(invoke([], shardA, stateA, true));
    await expect(handler(invoke([], shardB, stateB, true))).rejects.toMatchObject({ retryable: true });
    // Lambda retries the failed final invocation with the state it had.
    await handler(invoke([], shardB, stateB, true));
    // ...and, being at-least-once, may deliver it yet again: nothing more happens.
    await handler(invoke([], shardB, stateB, true));
    const ids = log.read().map((e) => e.detail.eventId);
    expect(ids.length).toBeGreaterThan(1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(evaluations).toHaveLength(1);
  });

  it('remembers the decision between windows (hysteresis outlives the tumbling window)', async () => {
    const { handler, store } = setup();
    await runWindow(handler);
    const after = await store.readMonitorState();
    expect(after?.scopes.fleet?.state).toBe('DRIFT');
    expect(after?.lastSeq).toBe(Date.parse(WINDOW.start));
  });
});

describe('LocalEventLog', () => {
  it('appends each event id once, across publishes and reopenings', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pfm-drift-log-')), 'drift-events.jsonl');
    const publisher = new MemoryPublisher();
    await runWindow(setup(publisher).handler);
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
