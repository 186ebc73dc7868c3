import type { MachineReading } from '../../schemas/reading.js';
import {
  HDF_MAX_DELTA_K,
  HDF_MAX_SPEED_RPM,
  OSF_THRESHOLD_MIN_NM,
  PWF_MAX_POWER_W,
  PWF_MIN_POWER_W,
} from './constants.js';
import type { DriftFeature } from './types.js';

/** Decimal places the AI4I dataset records each feature with. */
export const FEATURE_DECIMALS: Readonly<Record<DriftFeature, number>> = {
  airTemperatureK: 1,
  processTemperatureK: 1,
  rotationalSpeedRpm: 0,
  torqueNm: 1,
  toolWearMin: 0,
};

/** Rounds a value of a feature to the dataset's resolution. */
export function roundFeature(feature: DriftFeature, value: number): number {
  const scale = 10 ** FEATURE_DECIMALS[feature];
  return Math.round(value * scale) / scale;
}

/** Mechanical power in watts: torque x angular speed. */
export function powerW(torqueNm: number, rotationalSpeedRpm: number): number {
  return (torqueNm * rotationalSpeedRpm * 2 * Math.PI) / 60;
}

/**
 * The failure modes that are a function of one process's values: HDF, PWF and OSF. Each rule compares the
 * reading's own doubles, as the AI4I labels were generated and as the model decides dT (model/features.ts,
 * `delta_below_hdf_limit`; model/artifacts/README.md, "The dT = 8.6 K decision"): a difference displayed as
 * 8.6 K is HDF when its float64 value is below 8.6 (310.7 - 302.1 = 8.5999999999999659) and not when it is
 * above (310.6 - 302.0 = 8.6000000000000227). On the training file this reproduces all 8,000 rows' HDF, PWF
 * and OSF labels; comparing in exact tenths would mislabel 10 of its HDF rows.
 */
export function deterministicFailures(values: MachineReading): { HDF: boolean; PWF: boolean; OSF: boolean } {
  const HDF =
    values.processTemperatureK - values.airTemperatureK < HDF_MAX_DELTA_K &&
    values.rotationalSpeedRpm < HDF_MAX_SPEED_RPM;
  const power = powerW(values.torqueNm, values.rotationalSpeedRpm);
  const PWF = power < PWF_MIN_POWER_W || power > PWF_MAX_POWER_W;
  const OSF = values.toolWearMin * values.torqueNm > OSF_THRESHOLD_MIN_NM[values.qualityType];
  return { HDF, PWF, OSF };
}
