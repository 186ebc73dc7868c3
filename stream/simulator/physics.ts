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

/** The failure modes that are a function of one process's values: HDF, PWF and OSF. */
export function deterministicFailures(values: MachineReading): { HDF: boolean; PWF: boolean; OSF: boolean } {
  // Compare in tenths so 308.6 - 300.0 is exactly 8.6, as in the dataset, not 8.600000000000023.
  const deltaTenths = Math.round(values.processTemperatureK * 10) - Math.round(values.airTemperatureK * 10);
  const HDF = deltaTenths < HDF_MAX_DELTA_K * 10 && values.rotationalSpeedRpm < HDF_MAX_SPEED_RPM;
  const power = powerW(values.torqueNm, values.rotationalSpeedRpm);
  const PWF = power < PWF_MIN_POWER_W || power > PWF_MAX_POWER_W;
  const strainTenths = Math.round(values.torqueNm * 10) * Math.round(values.toolWearMin);
  const OSF = strainTenths > OSF_THRESHOLD_MIN_NM[values.qualityType] * 10;
  return { HDF, PWF, OSF };
}
