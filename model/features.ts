import type { MachineReading } from '../schemas/reading.js';
import { HDF_MAX_DELTA_K, OSF_THRESHOLD_MIN_NM } from './physics.js';

/** The model's input columns, in order; must equal model/artifacts/features.txt (checked at load). */
export const FEATURE_NAMES = [
  'air_temperature_k',
  'process_temperature_k',
  'rotational_speed_rpm',
  'torque_nm',
  'tool_wear_min',
  'temperature_delta_k',
  'power_w',
  'wear_torque_min_nm',
  'quality_type_ordinal',
  'overstrain_ratio',
  'delta_below_hdf_limit',
] as const;

/** The number of model input columns. */
export const FEATURE_COUNT = FEATURE_NAMES.length;

/** The quality variants as the ordinal the model was trained on (low < medium < high). */
export const QUALITY_ORDINAL = { L: 0, M: 1, H: 2 } as const;

/**
 * Writes the unscaled features of one reading into out[offset .. offset + FEATURE_COUNT).
 * The arithmetic (float64, then one rounding to float32 on store) matches model/train.py operation for
 * operation, so the pipeline, the CLI and training see the same numbers. The last two compare with the
 * documented limits (model/physics.ts) before the float32 rounding: `overstrain_ratio` is 1 at the OSF limit
 * of the reading's quality type, and `delta_below_hdf_limit` is process − air < 8.6 K decided in float64, the
 * precision the readings arrive in (float32 would make 8.5999999999999659 and 8.6000000000000227 the same
 * number; model/artifacts/README.md, "The dT = 8.6 K decision").
 */
export function engineerFeatures(r: MachineReading, out: Float32Array, offset: number): void {
  out[offset] = r.airTemperatureK;
  out[offset + 1] = r.processTemperatureK;
  out[offset + 2] = r.rotationalSpeedRpm;
  out[offset + 3] = r.torqueNm;
  out[offset + 4] = r.toolWearMin;
  const delta = r.processTemperatureK - r.airTemperatureK;
  out[offset + 5] = delta;
  // Mechanical power in W: torque x angular speed, with rpm -> rad/s evaluated left to right as numpy does.
  out[offset + 6] = (r.torqueNm * r.rotationalSpeedRpm * 2 * Math.PI) / 60;
  out[offset + 7] = r.toolWearMin * r.torqueNm;
  out[offset + 8] = QUALITY_ORDINAL[r.qualityType];
  out[offset + 9] = (r.toolWearMin * r.torqueNm) / OSF_THRESHOLD_MIN_NM[r.qualityType];
  out[offset + 10] = delta < HDF_MAX_DELTA_K ? 1 : 0;
}
