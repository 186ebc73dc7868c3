import { describe, expect, it } from 'vitest';
import { OutcomeTally } from '../../../app/pipeline/OutcomeTally.js';
import { summarizeRun } from '../../../app/pipeline/pipelineSummary.js';
import { runPaths } from '../../../app/pipeline/runFiles.js';
import type { DriftSnapshot } from '../../../processors/drift/DriftMonitor.js';
import type { MachineRisk, StoreCounts } from '../../../processors/store/types.js';

const counts = (predictions: number, quarantined: number): StoreCounts => ({
  predictions,
  quarantined,
  quarantinedByCode: quarantined ? { BAD_MARKER: quarantined } : {},
  predictedFailures: 0,
  predictedByMode: { TWF: 0, HDF: 0, PWF: 0, OSF: 0, RNF: 0 },
  devices: 5,
});

function summarize(c: {
  stored: StoreCounts;
  produced: number;
  deadLettered: number;
  liveScored?: number;
  durationMs?: number;
  drift?: DriftSnapshot;
}) {
  const tally = new OutcomeTally();
  tally.addDeadLettered(c.deadLettered);
  tally.scored = c.liveScored ?? 0;
  const asked: unknown[] = [];
  return {
    asked,
    summary: summarizeRun({
      store: {
        counts: async () => c.stored,
        topAtRisk: async (options) => {
          asked.push(options);
          return [{ deviceId: 'M-0001' } as MachineRisk];
        },
      },
      streamName: 's',
      shards: 2,
      dataDir: '/data',
      paths: runPaths('/data'),
      produced: c.produced,
      poisoned: 0,
      tally,
      durationMs: c.durationMs ?? 2000,
      catchUpMs: 100,
      producer: {
        written: c.produced,
        producingMs: 1000,
        writes: 2,
        writeMs: 950,
        rateWaitMs: 0,
        clockWaitMs: 0,
      },
      askedRate: 8000,
      readingTime: { start: 0, end: 1000, readings: c.produced, first: 5, last: 999 },
      modelVersion: 'abc123def456',
      drift: c.drift ? { snapshot: () => c.drift as DriftSnapshot } : undefined,
    }),
  };
}

describe('run summary', () => {
  it.each([
    { name: 'scored + quarantined = produced', stored: counts(95, 5), deadLettered: 0, accountedFor: true },
    { name: 'dead letters make up the rest', stored: counts(90, 5), deadLettered: 5, accountedFor: true },
    { name: 'a record is missing', stored: counts(94, 5), deadLettered: 0, accountedFor: false },
    { name: 'a record is counted twice', stored: counts(96, 5), deadLettered: 0, accountedFor: false },
  ])('accounted for when $name: $accountedFor', async (c) => {
    const { summary } = summarize({ stored: c.stored, produced: 100, deadLettered: c.deadLettered });
    expect((await summary).accountedFor).toBe(c.accountedFor);
  });

  it('counts from the store, not from the live counters', async () => {
    // The handler reported 100 scored, but the store kept 99: the summary must not say all is well.
    const { summary } = summarize({ stored: counts(99, 0), produced: 100, deadLettered: 0, liveScored: 100 });
    const s = await summary;
    expect(s.store.predictions).toBe(99);
    expect(s.accountedFor).toBe(false);
  });

  it('reports the end-to-end rate, the top machines over their last 20 readings, and paths in the data directory', async () => {
    const { summary, asked } = summarize({
      stored: counts(100, 0),
      produced: 100,
      deadLettered: 0,
      durationMs: 400,
    });
    const s = await summary;
    expect(s.recordsPerSecond).toBe(250);
    expect(asked).toEqual([{ limit: 5, window: 20 }]);
    expect(s.topAtRisk.map((m) => m.deviceId)).toEqual(['M-0001']);
    expect(s.storePath).toBe('/data/pfm.duckdb');
    expect(s.deadLetterPath).toBeUndefined();
    expect(s.readingTime).toEqual({ start: 0, end: 1000, readings: 100, first: 5, last: 999 });
    // 100 written in 1 s against 8,000 asked, 95 % of it waiting on PutRecords: the writes set the pace.
    expect(s.rateLimit).toEqual({
      by: 'kinesis-writes',
      writtenPerSecond: 100,
      busyShare: 0.95,
      msPerWrite: 475,
      recordsPerWrite: 50,
    });
    expect(s.drift).toBeUndefined();
    expect(s.driftEventsPath).toBeUndefined();
  });

  it('names the dead-letter file only when something was dead-lettered', async () => {
    const { summary } = summarize({ stored: counts(90, 5), produced: 100, deadLettered: 5 });
    expect((await summary).deadLetterPath).toBe('/data/dead-letter.jsonl');
  });

  it('names the drift event log only when a drift monitor ran', async () => {
    const drift = { fleet: 'OK' } as DriftSnapshot;
    const { summary } = summarize({ stored: counts(100, 0), produced: 100, deadLettered: 0, drift });
    const s = await summary;
    expect(s.drift).toBe(drift);
    expect(s.driftEventsPath).toBe('/data/drift-events.jsonl');
  });

  it('a run that took no measurable time still has a finite rate', async () => {
    const { summary } = summarize({ stored: counts(10, 0), produced: 10, deadLettered: 0, durationMs: 0 });
    expect((await summary).recordsPerSecond).toBe(10_000);
  });
});
