import type { QualityType } from '../schemas/reading.js';

/**
 * The failure rules of the AI4I 2020 data set as its authors document them (Matzka, "Explainable Artificial
 * Intelligence for Predictive Maintenance Applications", 2020, and the UCI description), checked against
 * ../shared/data/ai4i2020-train.csv. The model learns these from data; the agent cites them as context and
 * the forecaster reads its projections against them. The simulator (stream/simulator) generates data by the
 * same rules with its own copy of the numbers; test/model/physics.test.ts keeps the two equal.
 */

/** HDF: heat dissipation fails when process minus air temperature is below this (K) ... */
export const HDF_MAX_DELTA_K = 8.6;
/** ... and the rotational speed is below this (rpm). */
export const HDF_MAX_SPEED_RPM = 1380;

/** PWF: power outside [PWF_MIN_POWER_W, PWF_MAX_POWER_W] (W). */
export const PWF_MIN_POWER_W = 3500;
export const PWF_MAX_POWER_W = 9000;

/** OSF: overstrain when tool wear x torque exceeds this, by product quality (min·Nm). */
export const OSF_THRESHOLD_MIN_NM: Readonly<Record<QualityType, number>> = {
  L: 11_000,
  M: 12_000,
  H: 13_000,
};

/** TWF: a tool fails or is replaced at a wear between these (min); in the file, at 200-230 min. */
export const TOOL_LIFE_MIN_MIN = 200;
export const TOOL_LIFE_MAX_MIN = 240;

/** Mechanical power in watts at a torque (Nm) and speed (rpm): P = τ·ω. */
export function powerW(torqueNm: number, speedRpm: number): number {
  return (torqueNm * speedRpm * 2 * Math.PI) / 60;
}
