import { FEATURE_NAMES } from '../../../model/features.js';
import type { Scorer } from '../../../model/types.js';
import { DEFAULT_FORECAST_SETTINGS } from '../../../processors/forecast/constants.js';
import { createForecastCore } from '../../../processors/forecast/core.js';
import type {
  FleetForecast,
  ForecastCalibration,
  ForecastSettings,
  MachineHistory,
  TimedReading,
} from '../../../processors/forecast/types.js';
import type { QualityType } from '../../../schemas/reading.js';

export const CLASSES = ['TWF', 'HDF', 'PWF', 'OSF', 'RNF', 'ANY'] as const;
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
const F = FEATURE_NAMES.length;
const col = (name: (typeof FEATURE_NAMES)[number]): number => FEATURE_NAMES.indexOf(name);

/** An identity scaler: the fake scorer then sees the readings' own units. */
export const fakeModel = {
  modelName: 'fake',
  modelVersion: 'fake00000000',
  modelSha256: 'f'.repeat(64),
  classes: [...CLASSES],
  scaler: {
    features: [...FEATURE_NAMES],
    mean: FEATURE_NAMES.map(() => 0),
    scale: FEATURE_NAMES.map(() => 1),
  },
};

/** Calibration that leaves probabilities as they are; TWF, HDF and OSF forecastable. */
export const identityCalibration: ForecastCalibration = {
  modelSha256: 'f'.repeat(64),
  classes: Object.fromEntries(
    CLASSES.map((c) => [c, { oddsDivisor: 1, observedRate: 0.01, meanModelProbability: 0.01 }]),
  ),
  modes: {
    TWF: { aheadAuc: 0.9, forecastable: true },
    HDF: { aheadAuc: 0.9, forecastable: true },
    PWF: { aheadAuc: 0.5, forecastable: false },
    OSF: { aheadAuc: 0.7, forecastable: true },
    RNF: { aheadAuc: 0.5, forecastable: false },
  },
  aheadProcesses: 10,
  minAheadAuc: 0.6,
  fittedOn: { file: 'none', sha256: '0'.repeat(64), rows: 1 },
};

/** Rules the fake model applies to each (unscaled) row; probabilities per class. */
export interface FakeRules {
  /** TWF certain at or above this wear. */
  twfWear?: number;
  /** OSF certain at or above this wear x torque. */
  osfStrain?: number;
  /** PWF at this constant probability per process. */
  pwf?: number;
}

/** A scorer that applies hand-written rules, counting its runs and rows. */
export function fakeScorer(rules: FakeRules): Scorer & { runs: number; rows: number } {
  return {
    featureCount: F,
    classCount: CLASSES.length,
    runs: 0,
    rows: 0,
    async score(x: Float32Array, n: number): Promise<Float32Array> {
      this.runs++;
      this.rows += n;
      const out = new Float32Array(n * CLASSES.length);
      for (let i = 0; i < n; i++) {
        const wear = x[i * F + col('tool_wear_min')] as number;
        const strain = x[i * F + col('wear_torque_min_nm')] as number;
        const twf = rules.twfWear !== undefined && wear >= rules.twfWear ? 1 : 0;
        const osf = rules.osfStrain !== undefined && strain >= rules.osfStrain ? 1 : 0;
        const pwf = rules.pwf ?? 0;
        out.set([twf, 0, pwf, osf, 0, Math.max(twf, osf, pwf)], i * CLASSES.length);
      }
      return out;
    },
  };
}

/** Fine steps so a due time can be checked to the minute. */
export const testSettings: ForecastSettings = {
  ...DEFAULT_FORECAST_SETTINGS,
  stepMs: MINUTE,
  horizonMs: 8 * HOUR,
  noticeMs: 2 * HOUR,
  paths: 4,
  drawsPerPath: 8,
  reportHorizonsMs: [30 * MINUTE, HOUR, 2 * HOUR, 8 * HOUR],
};

/**
 * A machine reading every `paceMs`, its wear climbing by `wearPerReading` and falling to 0 after
 * `replaceAt` (if given); temperatures constant, torque alternating between two values.
 */
export function machineHistory(options: {
  deviceId?: string;
  readings: number;
  paceMs?: number;
  startWear?: number;
  wearPerReading?: number;
  replaceAt?: number;
  endTime?: number;
  torques?: readonly number[];
  qualityType?: QualityType;
}): MachineHistory {
  const pace = options.paceMs ?? 3 * MINUTE;
  const end = options.endTime ?? 1_800_000_000_000;
  const torques = options.torques ?? [40];
  let wear = options.startWear ?? 0;
  const readings: TimedReading[] = [];
  for (let i = 0; i < options.readings; i++) {
    readings.push({
      time: end - (options.readings - 1 - i) * pace,
      qualityType: options.qualityType ?? 'L',
      airTemperatureK: 300,
      processTemperatureK: 310,
      rotationalSpeedRpm: 1500,
      torqueNm: torques[i % torques.length] as number,
      toolWearMin: wear,
    });
    wear += options.wearPerReading ?? 2;
    if (options.replaceAt !== undefined && wear > options.replaceAt) wear = 0;
  }
  return { deviceId: options.deviceId ?? 'M-0001', readings };
}

/** A fleet forecast as the core computes it: two machines heading for their tool's end, one without enough history. */
export async function computedFleetForecast(generatedAt: number, end: number): Promise<FleetForecast> {
  const core = createForecastCore({
    scorer: fakeScorer({ twfWear: 230 }),
    model: fakeModel,
    calibration: identityCalibration,
    settings: {
      ...testSettings,
      stepMs: 10 * MINUTE,
      reportHorizonsMs: [30 * MINUTE, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR],
    },
    now: () => generatedAt,
  });
  return core.forecast([
    machineHistory({
      deviceId: 'M-0001',
      readings: 200,
      startWear: 0,
      wearPerReading: 1,
      replaceAt: 240,
      endTime: end,
    }),
    machineHistory({
      deviceId: 'M-0002',
      readings: 120,
      startWear: 100,
      wearPerReading: 1,
      endTime: end,
      qualityType: 'M',
    }),
    machineHistory({ deviceId: 'M-0003', readings: 4, endTime: end }),
  ]);
}
