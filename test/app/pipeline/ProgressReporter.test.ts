import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressReporter, type RunCounts } from '../../../app/pipeline/ProgressReporter.js';
import type { PipelineProgress } from '../../../app/pipeline/types.js';

function reporter(start: RunCounts) {
  let now = 1000;
  let counts = start;
  const reports: PipelineProgress[] = [];
  const r = new ProgressReporter({
    began: 1000,
    counts: () => counts,
    lagMs: () => 250,
    drift: () => undefined,
    onProgress: (p) => reports.push(p),
    now: () => now,
  });
  return {
    r,
    reports,
    at(ms: number, next: RunCounts) {
      now = ms;
      counts = next;
    },
  };
}

const counts = (produced: number, scored: number, quarantined = 0, deadLettered = 0): RunCounts => ({
  produced,
  scored,
  quarantined,
  deadLettered,
  predictedFailures: Math.floor(scored / 10),
});

afterEach(() => {
  vi.useRealTimers();
});

describe('progress reporter', () => {
  it('reports the rate over the last interval while running, and over the whole run at the end', () => {
    const t = reporter(counts(0, 0));
    t.at(1500, counts(1000, 400, 50, 50)); // 500 accounted in 0.5 s
    t.r.report(false);
    t.at(2000, counts(1600, 700, 50, 50)); // 300 more in 0.5 s
    t.r.report(false);
    t.at(3000, counts(1600, 1300, 50, 50)); // 1,400 in 2 s overall, 600 in the last second
    t.r.report(true);
    expect(t.reports.map((p) => p.recordsPerSecond)).toEqual([1000, 600, 700]);
    expect(t.reports.map((p) => p.lagRecords)).toEqual([500, 800, 200]);
    expect(t.reports.map((p) => p.elapsedMs)).toEqual([500, 1000, 2000]);
    expect(t.reports.map((p) => p.done)).toEqual([false, false, true]);
    // The lag in time is the consumer's measured IteratorAge while records are outstanding.
    expect(t.reports.map((p) => p.lagMs)).toEqual([250, 250, 250]);
    expect(t.reports[2]).toMatchObject({
      produced: 1600,
      scored: 1300,
      quarantined: 50,
      deadLettered: 50,
      predictedFailures: 130,
      lagMs: 250,
      drift: undefined,
    });
  });

  it('reports no lag in time once every record produced is accounted for', () => {
    const t = reporter(counts(0, 0));
    t.at(1500, counts(1000, 1000));
    t.r.report(true);
    expect(t.reports[0]).toMatchObject({ lagRecords: 0, lagMs: 0 });
  });

  it('reports every interval until stopped', () => {
    vi.useFakeTimers();
    const t = reporter(counts(0, 0));
    const stop = t.r.every(500);
    vi.advanceTimersByTime(1600);
    expect(t.reports).toHaveLength(3);
    stop();
    vi.advanceTimersByTime(5000);
    expect(t.reports).toHaveLength(3);
  });
});
