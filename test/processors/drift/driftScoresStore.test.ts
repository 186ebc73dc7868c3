import { afterEach, describe, expect, it } from 'vitest';
import type { DriftScoreRow } from '../../../processors/drift/types.js';
import { type DuckDbStore, openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';

let store: DuckDbStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const row = (feature: string, windowEnd: number, overrides: Partial<DriftScoreRow> = {}): DriftScoreRow => ({
  time: windowEnd,
  scope: 'fleet',
  feature,
  windowStart: windowEnd - 20_000,
  windowEnd,
  n: 1000,
  meanShift: 0.12,
  varianceRatio: 0.97,
  psi: 0.011,
  cusum: 0.25,
  state: 'OK',
  breached: false,
  modelVersion: '3b94edfa60e2',
  ...overrides,
});

describe('DuckDbStore drift_scores', () => {
  it('stores a row per scope, feature and window, idempotently, and reads the latest first', async () => {
    store = await openDuckDbStore(':memory:');
    const rows = [
      row('torque_nm', 20_000),
      row('power_w', 20_000),
      row('torque_nm', 40_000, { state: 'DRIFT', breached: true, meanShift: 1.01 }),
    ];
    await store.driftScores.writeDriftScores(rows);
    await store.driftScores.writeDriftScores(rows);
    const all = await store.driftScores.latest();
    expect(all).toHaveLength(3);
    expect(all[0]).toEqual(rows[2]);
    expect(await store.driftScores.latest({ feature: 'torque_nm', limit: 1 })).toEqual([rows[2]]);
    expect(await store.driftScores.latest({ scope: 'quality:L' })).toEqual([]);
    const [count] = await store.database.query('SELECT count(*)::INTEGER AS n FROM drift_scores');
    expect(count?.n).toBe(3);
  });
});
