import { describe, expect, it } from 'vitest';
import { fitBody, MAX_BODY_CHARS } from '../../../processors/agent/fitBody.js';
import type { MachineHistoryResult, PredictionOut } from '../../../processors/agent/types.js';

function reading(i: number): PredictionOut {
  return {
    time: new Date(Date.UTC(2026, 0, 5) + i * 60_000).toISOString(),
    risk: 0.5,
    alarm: true,
    predictedModes: ['PWF'],
    modeProbabilities: { TWF: 0.01, HDF: 0, PWF: 0.5, OSF: 0.1, RNF: 0.001 },
    airTemperatureK: 300,
    processTemperatureK: 310,
    rotationalSpeedRpm: 1500,
    torqueNm: 60,
    toolWearMin: 100,
  };
}

function history(n: number): MachineHistoryResult {
  return {
    tool: 'machine_history',
    machine: 'M-0003',
    period: { name: 'today', from: '2026-01-05T00:00:00.000Z', to: '2026-01-05T12:00:00.000Z' },
    limit: n,
    found: true,
    summary: null,
    recent: Array.from({ length: n }, (_, i) => reading(i)),
    alarms: Array.from({ length: n }, (_, i) => reading(i)),
    quarantinedByCode: {},
  };
}

describe('fitBody', () => {
  it('leaves a result that fits as it is', () => {
    const r = history(3);
    expect(fitBody(r)).toBe(JSON.stringify(r));
  });

  it('trims the longest lists from their ends until the body fits, and says so', () => {
    const r = history(50);
    expect(JSON.stringify(r).length).toBeGreaterThan(MAX_BODY_CHARS);
    const body = fitBody(r, 5_000);
    expect(body.length).toBeLessThanOrEqual(5_000);
    const fitted = JSON.parse(body) as MachineHistoryResult & { trimmed: string };
    // Newest first: what is kept is the start of each list.
    expect(fitted.recent).toEqual(r.recent.slice(0, fitted.recent.length));
    expect(Math.abs(fitted.recent.length - fitted.alarms.length)).toBeLessThanOrEqual(1);
    const left = 100 - fitted.recent.length - fitted.alarms.length;
    expect(fitted.trimmed).toBe(
      `${left} of 100 list entries left out to fit the agent's response size; ask for a smaller limit`,
    );
    // The input is not changed.
    expect(r.recent).toHaveLength(50);
  });
});
