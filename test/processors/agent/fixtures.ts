import type { DriftScoreRow } from '../../../processors/drift/types.js';
import type { PredictionRow, QuarantineRow } from '../../../processors/inference/types.js';
import { makePrediction } from '../../fixtures/predictions.js';

/** When the fixture fleet's readings start, and an hour that holds them all. */
export const T0 = Date.UTC(2024, 0, 15);
export const RANGE = { from: T0, to: T0 + 3_600_000 };

/** Three machines, 30 readings each: calm, overstrained in its last 10, and power-heavy throughout. */
export function fleetRows(): PredictionRow[] {
  const rows: PredictionRow[] = [];
  for (let i = 0; i < 30; i++) {
    rows.push(makePrediction(i, { deviceId: 'M-0001', source: src('M-0001', i) }));
    const late = i >= 20;
    rows.push(
      makePrediction(i, {
        deviceId: 'M-0002',
        qualityType: 'M',
        anyFailureProbability: late ? 0.9 : 0.1,
        failure: late,
        probabilities: { TWF: 0.01, HDF: 0.01, PWF: 0.02, OSF: late ? 0.88 : 0.05, RNF: 0.001 },
        predictedModes: late ? ['OSF'] : [],
        toolWearMin: 190 + i,
        torqueNm: late ? 62 : 40,
        source: src('M-0002', i),
      }),
    );
    rows.push(
      makePrediction(i, {
        deviceId: 'M-0003',
        qualityType: 'H',
        anyFailureProbability: 0.4,
        failure: i % 3 === 0,
        probabilities: { TWF: 0.01, HDF: 0.01, PWF: 0.38, OSF: 0.02, RNF: 0.001 },
        predictedModes: i % 3 === 0 ? ['PWF'] : [],
        torqueNm: 65,
        rotationalSpeedRpm: 1400,
        source: src('M-0003', i),
      }),
    );
  }
  return rows;
}

function src(device: string, i: number) {
  return {
    eventId: `${device}:${i}`,
    sequenceNumber: String(i),
    partitionKey: device,
    arrivalTime: T0 + i * 1000,
  };
}

/** A quarantined record received at `receivedAt`. */
export function quarantined(i: number, receivedAt: number, deviceId: string | null): QuarantineRow {
  return {
    source: {
      eventId: `q:${i}`,
      sequenceNumber: String(i),
      partitionKey: deviceId ?? 'x',
      arrivalTime: receivedAt,
    },
    receivedAt,
    stage: 'validate',
    code: i % 2 === 0 ? 'OUT_OF_RANGE' : 'NON_FINITE',
    reason: 'test',
    deviceId,
    raw: new Uint8Array([i]),
  };
}

/** One drift score row of a window ending at `end`. */
export function drift(
  scope: DriftScoreRow['scope'],
  feature: string,
  end: number,
  psi: number,
  state: DriftScoreRow['state'],
): DriftScoreRow {
  return {
    time: end,
    scope,
    feature,
    windowStart: end - 60_000,
    windowEnd: end,
    n: 500,
    meanShift: psi * 2,
    varianceRatio: 1.1,
    psi,
    cusum: 0.2,
    state,
    breached: psi > 0.2,
    modelVersion: 'abc123def456',
  };
}
