import type { MachineReading } from '../schemas/reading.js';

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
] as const;

/** The number of model input columns. */
export const FEATURE_COUNT = FEATURE_NAMES.length;

/** The quality variants as the ordinal the model was trained on (low < medium < high). */
export const QUALITY_ORDINAL = { L: 0, M: 1, H: 2 } as const;

/**
 * Writes the unscaled features of one reading into out[offset .. offset + FEATURE_COUNT).
 * The arithmetic (float64, then one rounding to float32 on store) matches model/train.py operation for
 * operation, so the pipeline, the CLI and training see the same numbers.
 */
export function engineerFeatures(r: MachineReading, out: Float32Array, offset: number): void {
  out[offset] = r.airTemperatureK;
  out[offset + 1] = r.processTemperatureK;
  out[offset + 2] = r.rotationalSpeedRpm;
  out[offset + 3] = r.torqueNm;
  out[offset + 4] = r.toolWearMin;
  out[offset + 5] = r.processTemperatureK - r.airTemperatureK;
  // Mechanical power in W: torque x angular speed, with rpm -> rad/s evaluated left to right as numpy does.
  out[offset + 6] = (r.torqueNm * r.rotationalSpeedRpm * 2 * Math.PI) / 60;
  out[offset + 7] = r.toolWearMin * r.torqueNm;
  out[offset + 8] = QUALITY_ORDINAL[r.qualityType];
}
