import { describe, expect, it } from 'vitest';
import {
  emptyFleetWindow,
  type FleetWindowRule,
  foldPartial,
  type ShardPartial,
} from '../../../processors/drift/fleetWindow.js';
import type { FleetWindowState } from '../../../processors/drift/types.js';
import { addToWindow, emptyWindow } from '../../../processors/drift/window.js';
import { integerReference } from './fixtures.js';

const reference = integerReference(3);
const rule: FleetWindowRule = { windowRecords: 10, maxSpanMs: undefined, shardRetentionMs: 1000 };

/** A shard's partial of `records` readings in the period starting at `period`, its last sequence number `seq`. */
function partial(shardId: string, period: number, records: number, seq?: number): ShardPartial {
  const window = emptyWindow();
  for (let i = 0; i < records; i++) {
    addToWindow(window, reference, {
      deviceId: `${shardId}-${i % 3}`,
      timestamp: period + i,
      qualityType: 'L',
      values: [50, 50, 50],
      sensors: [i, i, i, i, i],
    });
  }
  return { shardId, period, window, maxSequence: seq === undefined ? undefined : String(seq) };
}

function fold(state: FleetWindowState, ...partials: ShardPartial[]) {
  const closed = [];
  let s = state;
  for (const p of partials) {
    const out = foldPartial(s, p, rule);
    s = out.next;
    if (out.closed) closed.push(out.closed);
  }
  return { state: s, closed };
}

describe('foldPartial: the fleet window every shard folds into', () => {
  it('closes at the first later period once it holds the window size, from any shard', () => {
    const { state, closed } = fold(
      emptyFleetWindow(),
      partial('a', 0, 4, 1),
      partial('b', 0, 4, 1),
      partial('a', 100, 4, 2), // a later period, but 8 readings: not yet; now 12
      partial('c', 100, 3, 1), // 15, the same period: still open
      partial('b', 200, 2, 2), // a later period: closes 1 with 15 readings, then opens 2 with these
    );
    expect(closed.map((w) => [w.seq, w.state.records, w.start, w.end, w.terminatedEarly])).toEqual([
      [1, 15, 0, 103, false],
    ]);
    expect(state).toMatchObject({ seq: 2, firstPeriod: 200, lastPeriod: 200, partials: 1 });
    expect(state.window.records).toBe(2);
    expect(Object.keys(state.shards).sort()).toEqual(['a', 'b', 'c']);
  });

  it('ignores a partial folded before (a retry) and lets a partial without records move time on', () => {
    const first = fold(emptyFleetWindow(), partial('a', 0, 12, 5));
    const again = foldPartial(first.state, partial('a', 0, 12, 5), rule);
    expect(again).toMatchObject({ duplicate: true, closed: undefined });
    expect(again.next).toBe(first.state);
    // An empty final invocation of a later period: the full window closes; nothing is added.
    const watermark = foldPartial(first.state, partial('z', 100, 0), rule);
    expect(watermark.closed?.state.records).toBe(12);
    expect(watermark.next).toMatchObject({ seq: 2, firstPeriod: null, lastPeriod: 100, partials: 0 });
    expect(watermark.next.shards.z).toBeUndefined();
  });

  it('puts a late partial of a closed period into the open window, and closes a slow window on its span', () => {
    const { state, closed } = fold(
      emptyFleetWindow(),
      partial('a', 0, 10, 1),
      partial('a', 100, 1, 2),
      partial('b', 0, 3, 1),
    );
    expect(closed).toHaveLength(1);
    expect(state).toMatchObject({ seq: 2, firstPeriod: 0, lastPeriod: 100 });
    expect(state.window.records).toBe(4);
    const slow = { ...rule, maxSpanMs: 300 };
    let s = emptyFleetWindow();
    const out = [];
    for (const [i, period] of [0, 100, 200, 300].entries()) {
      const r = foldPartial(s, partial('a', period, 1, i + 1), slow);
      s = r.next;
      if (r.closed) out.push(r.closed);
    }
    expect(out.map((w) => [w.state.records, w.terminatedEarly])).toEqual([[3, true]]);
  });

  it('forgets the marks of shards gone for longer than the retention', () => {
    const { state } = fold(emptyFleetWindow(), partial('old', 0, 1, 1), partial('new', 2000, 1, 1));
    expect(Object.keys(state.shards)).toEqual(['new']);
  });
});
