import { describe, expect, it } from 'vitest';
import { driftStatus } from '../../../../processors/agent/tools/driftStatus.js';
import type { DriftEventHistory } from '../../../../processors/agent/types.js';
import type { DriftEvent } from '../../../../processors/drift/types.js';
import type { DriftStatus } from '../../../../processors/store/types.js';
import { fakeQueries } from './fakeQueries.js';

const NOW = Date.UTC(2026, 0, 7, 12);
const NO_WINDOWS = { OK: 0, WARN: 0, DRIFT: 0 };

function event(i: number, scope: DriftEvent['detail']['scope']): DriftEvent {
  const time = new Date(NOW - i * 60_000).toISOString();
  return {
    source: 'pfm.drift',
    detailType: i === 0 ? 'ModelRetrainingRecommended' : 'FeatureDriftDetected',
    time,
    detail: {
      schemaVersion: '1.0',
      eventId: `e-${i}`,
      model: { name: 'pfm-failure-mlp', version: 'abc123def456', sha256: 'a'.repeat(64) },
      reference: { sha256: 'b'.repeat(64) },
      scope,
      window: { seq: i, start: time, end: time, records: 1000, terminatedEarly: false },
      decision: {
        state: 'DRIFT',
        previousState: 'WARN',
        severity: 'high',
        rule: 'm-of-n',
        breachingWindows: 2,
        windowsConsidered: 3,
        driftWindows: 1,
      },
      topFeatures: [],
    },
  };
}

const run = (status: DriftStatus, events: DriftEventHistory | undefined, raw: unknown = {}) =>
  driftStatus(
    {
      queries: fakeQueries({ driftStatus: async () => status }),
      ...(events ? { events } : {}),
      now: () => NOW,
    },
    raw,
  );

describe('drift_status tool', () => {
  it.each([
    { scope: { kind: 'fleet', id: 'fleet' }, named: 'fleet' },
    { scope: { kind: 'qualityType', id: 'L' }, named: 'quality:L' },
    { scope: { kind: 'qualityType', id: 'H' }, named: 'quality:H' },
  ] as const)('names an event of scope $scope.kind/$scope.id as drift_scores does: $named', async (c) => {
    const history: DriftEventHistory = { recentEvents: async () => [event(1, c.scope)] };
    const r = await run({ available: true, scopes: [], windowsByState: NO_WINDOWS }, history);
    expect(r.events.items.map((e) => e.scope)).toEqual([c.named]);
  });

  it('keeps at most `limit` events even from a history that returns more, and counts retraining among them', async () => {
    const history: DriftEventHistory = {
      recentEvents: async () =>
        Array.from({ length: 6 }, (_, i) => event(5 - i, { kind: 'fleet', id: 'fleet' })),
    };
    const r = await run({ available: true, scopes: [], windowsByState: NO_WINDOWS }, history, { limit: 4 });
    expect(r.events.items).toHaveLength(4);
    // The retraining event is the sixth: cut off, so not counted.
    expect(r.events.retrainingRecommended).toBe(0);
  });

  it('reports each scope with its features rounded, and a variance ratio the store lacks as null', async () => {
    const r = await run(
      {
        available: true,
        scopes: [
          {
            scope: 'quality:M',
            state: 'WARN',
            windowEnd: NOW - 5000,
            modelVersion: 'abc123def456',
            features: [
              {
                feature: 'torque_nm',
                psi: 0.41234,
                meanShift: -1.23456,
                varianceRatio: null,
                cusum: null,
                breached: null,
              },
              {
                feature: 'tool_wear_min',
                psi: 0.0996,
                meanShift: 0.5,
                varianceRatio: 1.23456,
                cusum: 2,
                breached: true,
              },
            ],
          },
        ],
        windowsByState: { OK: 3, WARN: 1, DRIFT: 0 },
      },
      undefined,
    );
    expect(r.scopes).toEqual([
      {
        scope: 'quality:M',
        state: 'WARN',
        windowEnd: new Date(NOW - 5000).toISOString(),
        modelVersion: 'abc123def456',
        topFeatures: [
          { feature: 'torque_nm', psi: 0.412, meanShift: -1.235, varianceRatio: null, breached: null },
          { feature: 'tool_wear_min', psi: 0.1, meanShift: 0.5, varianceRatio: 1.235, breached: true },
        ],
      },
    ]);
    expect(r.windowsByState).toEqual({ OK: 3, WARN: 1, DRIFT: 0 });
    expect(r.note).toBeUndefined();
    expect(r.events).toEqual({
      available: false,
      items: [],
      retrainingRecommended: 0,
      reason: 'no event history is configured',
    });
  });

  it.each<{ name: string; status: DriftStatus; note: string }>([
    {
      name: 'no drift table, with the store saying why',
      status: {
        available: false,
        unavailableReason: 'no drift_scores table',
        scopes: [],
        windowsByState: NO_WINDOWS,
      },
      note: 'No drift scores: no drift_scores table.',
    },
    {
      name: 'no drift table, no reason given',
      status: { available: false, scopes: [], windowsByState: NO_WINDOWS },
      note: 'No drift scores: the store keeps none.',
    },
    {
      name: 'a table with no window in the period',
      status: { available: true, scopes: [], windowsByState: NO_WINDOWS },
      note: 'No drift window was evaluated in this period (last_24_hours).',
    },
  ])('notes $name', async ({ status, note }) => {
    expect((await run(status, undefined)).note).toBe(note);
  });
});
