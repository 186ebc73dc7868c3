import type { QualityType } from '../../schemas/reading.js';

/**
 * Calibration of the simulator, measured on ../shared/data/ai4i2020-train.csv (8,000 rows). The
 * dataset's published generation process gives the shape; the numbers below come from the file, because
 * where the two disagree (quality mix, speed model, RNF rate) the file is what the model was trained on.
 */
export const CALIBRATION = {
  /** Air temperature: mean 300.003 K, sd 2.005 K. */
  airMeanK: 300,
  airSdK: 2,
  /**
   * Per-reading AR(1) coefficient of the standardized air temperature: the file's autocorrelation of air
   * temperature is 0.966 at lag 100 and 0.81 at lag 500 rows, i.e. about 0.9996 a step. A stationary AR(1)
   * stands in for the "random walk normalized to sd 2 K" so that a stream can run for ever.
   */
  airAr: 0.9996,
  /** Process minus air temperature: mean 10.001 K, sd 1.001 K. */
  deltaMeanK: 10,
  deltaSdK: 1,
  /** corr(air, process - air) = -0.700 in the file: process temperature varies less than air (sd 1.49 K). */
  deltaAirCorrelation: -0.7,
  /** AR(1) coefficient of the part of the temperature difference not explained by air (lag-100..1000 fit). */
  deltaAr: 0.9992,
  /** Torque: mean 40.037 Nm, sd 9.990 Nm, no value at or below zero. */
  torqueMeanNm: 40.04,
  torqueSdNm: 9.99,
  /**
   * Rotational speed = base + k / torque + N(0, sd), capped at the spindle's top speed. Power (torque x
   * angular speed) is close to linear in torque in the file, which is this hyperbola; a least-squares fit
   * on rows with torque >= 12.5 Nm gives base 998.9 rpm, k 20,031.5 rpm·Nm, residual sd 50.4 rpm. Below
   * about 9.5 Nm the file's speeds saturate at its maximum, 2,886 rpm.
   */
  speedBaseRpm: 998.9,
  speedTorqueRpmNm: 20_031.5,
  speedNoiseSdRpm: 50.4,
  speedMaxRpm: 2886,
  /**
   * A tool is replaced at a wear drawn uniformly from [200, 230] min. The dataset's description says
   * "between 200 and 240", but the 82 replacements visible in the file happen at a mean wear of 216 min
   * (quartiles 207/215/221), and its share of rows at wear >= 220 min (1.4 %) -- which drives OSF -- is
   * what a uniform [200, 230] gives, not [200, 240] (2.3 %).
   */
  toolLifeMinMin: 200,
  toolLifeMaxMin: 230,
  /**
   * Share of tool replacements that are failures (TWF) rather than planned swaps. The file shows 31 TWF
   * among 82 observed replacements (0.38 ± 0.05); 0.40 reproduces its TWF rate of 0.475 % given the
   * simulated replacement rate.
   */
  toolFailureShare: 0.4,
  /** RNF: 15 of 8,000 rows in the file (the dataset's description says 0.1 %; its data says 0.19 %). */
  randomFailureProbability: 15 / 8000,
} as const;

/** Tool wear a process adds, by quality (the file: wear[i] = wear[i-1] + 5/3/2 by the type of row i-1). */
export const WEAR_PER_PROCESS_MIN: Readonly<Record<QualityType, number>> = { L: 2, M: 3, H: 5 };

/** OSF fires when tool wear x torque exceeds this, by quality (minNm). */
export const OSF_THRESHOLD_MIN_NM: Readonly<Record<QualityType, number>> = {
  L: 11_000,
  M: 12_000,
  H: 13_000,
};

/** HDF: process minus air temperature below this (K) and speed below HDF_MAX_SPEED_RPM. */
export const HDF_MAX_DELTA_K = 8.6;
export const HDF_MAX_SPEED_RPM = 1380;

/** PWF: power outside [PWF_MIN_POWER_W, PWF_MAX_POWER_W]. */
export const PWF_MIN_POWER_W = 3500;
export const PWF_MAX_POWER_W = 9000;

/**
 * Fleet quality mix: L 4,834, M 2,350, H 816 rows of 8,000 in the file. The dataset's description says
 * 50/30/20; the file is 60/29/10, and OSF (whose threshold depends on quality) follows the file.
 */
export const DEFAULT_QUALITY_MIX: Readonly<Record<QualityType, number>> = {
  L: 4834 / 8000,
  M: 2350 / 8000,
  H: 816 / 8000,
};

/** Firmware versions the simulated devices report. */
export const FIRMWARE_VERSIONS = ['fw-2.4.1', 'fw-2.5.0', 'fw-3.0.2'] as const;
