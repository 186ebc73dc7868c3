import { describe, expect, it } from 'vitest';
import { createAgentTools } from '../../../processors/agent/core.js';
import type { DriftEventHistory } from '../../../processors/agent/types.js';
import type { DriftEvent } from '../../../processors/drift/types.js';
import type {
  DataSpan,
  DriftStatus,
  FleetPeriodSummary,
  MachineHistory,
  MachinePeriodRisk,
  PeriodQueries,
  TimeRange,
} from '../../../processors/store/types.js';

const NOW = Date.UTC(2026, 0, 7, 12);
const modes = (twf: number, hdf: number, pwf: number, osf: number, rnf: number) => ({
  TWF: twf,
  HDF: hdf,
  PWF: pwf,
  OSF: osf,
  RNF: rnf,
});

function machine(id: string, risk: number, overrides: Partial<MachinePeriodRisk> = {}): MachinePeriodRisk {
  return {
    deviceId: id,
    qualityType: 'L',
    firmware: 'fw-2.4.1',
    readings: 100,
    firstSeen: NOW - 3_600_000,
    lastSeen: NOW - 1000,
    recentRisk: risk,
    meanRisk: risk / 2,
    peakRisk: risk,
    predictedFailures: 3,
    predictedByMode: modes(0, 0, 0, 3, 0),
    recentModeRisk: modes(0.01, 0.01, 0.01, risk, 0.001),
    recentMeans: {
      airTemperatureK: 300,
      processTemperatureK: 310,
      rotationalSpeedRpm: 1500,
      torqueNm: 40,
      toolWearMin: 100,
    },
    latest: {
      airTemperatureK: 300,
      processTemperatureK: 310,
      rotationalSpeedRpm: 1500,
      torqueNm: 40,
      toolWearMin: 100,
      time: NOW - 1000,
      risk,
      predictedModes: [],
    },
    ...overrides,
  };
}

const SUMMARY: FleetPeriodSummary = {
  predictions: 500,
  devices: 5,
  predictedFailures: 12,
  devicesWithFailures: 2,
  predictedByMode: modes(1, 0, 4, 7, 0),
  meanRisk: 0.1234567,
  first: NOW - 3_600_000,
  last: NOW - 1000,
  readingMeans: {
    airTemperatureK: 300,
    processTemperatureK: 310,
    rotationalSpeedRpm: 1500,
    torqueNm: 40,
    toolWearMin: 100,
  },
  readingSds: {
    airTemperatureK: 2,
    processTemperatureK: 1.5,
    rotationalSpeedRpm: 180,
    torqueNm: 10,
    toolWearMin: 60,
  },
  modelVersions: ['abc123def456'],
  quarantined: 2,
  quarantinedByCode: { BAD_MARKER: 2 },
};

/** A hand-written PeriodQueries that records its calls and returns what the test sets. */
class FakeQueries implements PeriodQueries {
  readonly calls: { method: string; options: unknown }[] = [];
  ranking: MachinePeriodRisk[] = [];
  summary: FleetPeriodSummary = SUMMARY;
  history: MachineHistory | undefined;
  drift: DriftStatus = { available: true, scopes: [], windowsByState: { OK: 0, WARN: 0, DRIFT: 0 } };
  span: DataSpan = { predictions: 1000, first: Date.UTC(2025, 11, 1), last: Date.UTC(2025, 11, 2) };

  async dataSpan(): Promise<DataSpan> {
    this.calls.push({ method: 'dataSpan', options: undefined });
    return this.span;
  }
  async fleetSummary(range: TimeRange): Promise<FleetPeriodSummary> {
    this.calls.push({ method: 'fleetSummary', options: range });
    return this.summary;
  }
  async riskRanking(options: Parameters<PeriodQueries['riskRanking']>[0]): Promise<MachinePeriodRisk[]> {
    this.calls.push({ method: 'riskRanking', options });
    return this.ranking;
  }
  async machineHistory(options: Parameters<PeriodQueries['machineHistory']>[0]): Promise<MachineHistory> {
    this.calls.push({ method: 'machineHistory', options });
    return (
      this.history ?? {
        deviceId: options.deviceId,
        summary: null,
        recent: [],
        alarms: [],
        quarantinedByCode: {},
      }
    );
  }
  async driftStatus(options: { range: TimeRange; features: number }): Promise<DriftStatus> {
    this.calls.push({ method: 'driftStatus', options });
    return this.drift;
  }
}

function event(detailType: DriftEvent['detailType'], time: string): DriftEvent {
  return {
    source: 'pfm.drift',
    detailType,
    time,
    detail: {
      schemaVersion: '1.0',
      eventId: `${detailType}-${time}`,
      model: { name: 'pfm-failure-mlp', version: 'abc123def456', sha256: 'a'.repeat(64) },
      reference: { sha256: 'b'.repeat(64) },
      scope: { kind: 'fleet', id: 'fleet' },
      window: { seq: 3, start: time, end: time, records: 1000, terminatedEarly: false },
      decision: {
        state: 'DRIFT',
        previousState: 'WARN',
        severity: 'high',
        rule: 'm-of-n',
        breachingWindows: 2,
        windowsConsidered: 3,
        driftWindows: 1,
      },
      topFeatures: [
        {
          feature: 'torque_nm',
          meanShift: 1.2,
          varianceRatio: 1,
          psi: 0.4,
          cusum: 1.5,
          pValue: 1e-9,
          breached: ['mean'],
        },
      ],
    },
  };
}

describe('agent tools', () => {
  it('top_at_risk: resolves the period, passes validated options, explains each machine', async () => {
    const queries = new FakeQueries();
    queries.ranking = [
      machine('M-0002', 0.91, {
        qualityType: 'M',
        recentModeRisk: modes(0.02, 0, 0.3, 0.88, 0.001),
        recentMeans: {
          airTemperatureK: 300,
          processTemperatureK: 310,
          rotationalSpeedRpm: 1400,
          torqueNm: 65,
          toolWearMin: 210,
        },
        latest: {
          airTemperatureK: 300,
          processTemperatureK: 310,
          rotationalSpeedRpm: 1400,
          torqueNm: 66,
          toolWearMin: 210,
          time: NOW - 1000,
          risk: 0.97,
          predictedModes: ['OSF', 'PWF'],
        },
      }),
    ];
    const tools = createAgentTools({ queries, now: () => NOW });
    const r = await tools.topAtRisk({ period: 'today', limit: 3, window: 10 });
    expect(queries.calls[0]).toEqual({
      method: 'riskRanking',
      options: { range: { from: Date.UTC(2026, 0, 7), to: NOW + 1 }, limit: 3, window: 10 },
    });
    expect(r.period).toEqual({
      name: 'today',
      from: '2026-01-07T00:00:00.000Z',
      to: '2026-01-07T12:00:00.001Z',
    });
    const [m] = r.machines;
    expect(m).toMatchObject({
      rank: 1,
      machine: 'M-0002',
      risk: 0.91,
      leadingMode: 'OSF',
      leadingModeProbability: 0.88,
    });
    expect(m?.latest.powerKw).toBeCloseTo((66 * 1400 * 2 * Math.PI) / 60 / 1000, 2);
    // OSF first (it leads), then PWF (0.3 >= 0.2), then readings far from the fleet.
    expect(m?.drivers).toEqual([
      'OSF: latest tool wear × torque = 210 min × 66.0 Nm = 13,860 minNm = 116% of the 12,000 minNm overstrain limit for type M',
      'PWF: latest power 9.68 kW (torque 66.0 Nm at 1,400 rpm) is above the 3.5-9 kW band outside which power failures occur',
      "torque averages 65.0 Nm, 2.5 sd above the fleet's 40.0 Nm",
      "tool wear averages 210.0 min, 1.8 sd above the fleet's 100.0 min",
    ]);
  });

  it('top_at_risk: never returns more machines than asked, even from a port that does', async () => {
    const queries = new FakeQueries();
    queries.ranking = Array.from({ length: 8 }, (_, i) => machine(`M-000${i}`, 0.5));
    const r = await createAgentTools({ queries, now: () => NOW }).topAtRisk({ limit: 3 });
    expect(r.machines).toHaveLength(3);
    expect(r.limit).toBe(3);
  });

  it('top_at_risk: an empty period says what the store holds', async () => {
    const queries = new FakeQueries();
    const r = await createAgentTools({ queries, now: () => NOW }).topAtRisk({ period: 'yesterday' });
    expect(r.machines).toEqual([]);
    expect(r.store).toEqual({
      predictions: 1000,
      first: '2025-12-01T00:00:00.000Z',
      last: '2025-12-02T00:00:00.000Z',
    });
    expect(r.note).toMatch(/No predictions in yesterday .* the store holds 1000 predictions from 2025-12-01/);
  });

  it('fleet_summary: rounds and renames for the model', async () => {
    const r = await createAgentTools({ queries: new FakeQueries(), now: () => NOW }).fleetSummary({});
    expect(r).toMatchObject({
      tool: 'fleet_summary',
      period: { name: 'last_24_hours' },
      predictions: 500,
      machines: 5,
      alarms: 12,
      machinesWithAlarms: 2,
      meanRisk: 0.123,
      quarantined: 2,
      modelVersions: ['abc123def456'],
    });
    expect(r.store).toBeUndefined();
  });

  it('machine_history: reports an unknown machine plainly', async () => {
    const queries = new FakeQueries();
    const r = await createAgentTools({ queries, now: () => NOW }).machineHistory({ machine_id: 'M-0042' });
    expect(r).toMatchObject({ machine: 'M-0042', found: false, summary: null, recent: [], alarms: [] });
    expect(r.note).toMatch(/No predictions for M-0042 in last_24_hours/);
    expect(queries.calls.find((c) => c.method === 'machineHistory')?.options).toMatchObject({
      deviceId: 'M-0042',
      limit: 10,
    });
  });

  it('drift_status: events from the history, newest first, and retraining counted', async () => {
    const events: DriftEventHistory = {
      async recentEvents({ limit }) {
        return [
          event('ModelRetrainingRecommended', '2026-01-07T10:00:00.000Z'),
          event('FeatureDriftDetected', '2026-01-07T09:00:00.000Z'),
        ].slice(0, limit);
      },
    };
    const r = await createAgentTools({ queries: new FakeQueries(), events, now: () => NOW }).driftStatus({
      limit: 5,
    });
    expect(r.events.available).toBe(true);
    expect(r.events.retrainingRecommended).toBe(1);
    expect(r.events.items[0]).toEqual({
      time: '2026-01-07T10:00:00.000Z',
      type: 'ModelRetrainingRecommended',
      scope: 'fleet',
      state: 'DRIFT',
      previousState: 'WARN',
      severity: 'high',
      rule: 'm-of-n',
      features: ['torque_nm'],
    });
    expect(r.note).toMatch(/No drift window was evaluated/);
  });

  it('drift_status: says why events are unavailable', async () => {
    const queries = new FakeQueries();
    queries.drift = {
      available: false,
      unavailableReason: 'no table',
      scopes: [],
      windowsByState: { OK: 0, WARN: 0, DRIFT: 0 },
    };
    const r = await createAgentTools({
      queries,
      eventsUnavailableReason: 'EventBridge',
      now: () => NOW,
    }).driftStatus({});
    expect(r.events).toEqual({
      available: false,
      items: [],
      retrainingRecommended: 0,
      reason: 'EventBridge',
    });
    expect(r.note).toBe('No drift scores: no table.');
  });

  it('refuses bad parameters before any query runs', async () => {
    const queries = new FakeQueries();
    const tools = createAgentTools({ queries, now: () => NOW });
    await expect(tools.topAtRisk({ limit: 10_000 })).rejects.toMatchObject({ code: 'INVALID_TOOL_INPUT' });
    await expect(tools.run('machine_history', { machine_id: "M-1'--" })).rejects.toMatchObject({
      code: 'INVALID_TOOL_INPUT',
    });
    await expect(tools.fleetSummary({ period: '1; select' })).rejects.toMatchObject({
      code: 'INVALID_TOOL_INPUT',
    });
    await expect(tools.run('drop_table' as 'fleet_summary', {})).rejects.toMatchObject({
      code: 'INVALID_TOOL_INPUT',
    });
    expect(queries.calls).toEqual([]);
  });

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])(
    'run: an inherited property name such as %s is not a tool',
    async (name) => {
      const queries = new FakeQueries();
      const tools = createAgentTools({ queries, now: () => NOW });
      await expect(tools.run(name as 'fleet_summary', {})).rejects.toMatchObject({
        code: 'INVALID_TOOL_INPUT',
        message: `unknown tool "${name}"`,
      });
      expect(queries.calls).toEqual([]);
    },
  );
});
