import type { QualityType, SensorReading } from '../../schemas/reading.js';

/** The sensor fields a drift can act on. */
export const DRIFT_FEATURES = [
  'airTemperatureK',
  'processTemperatureK',
  'rotationalSpeedRpm',
  'torqueNm',
  'toolWearMin',
] as const;
export type DriftFeature = (typeof DRIFT_FEATURES)[number];

/** How a drifting sensor misreports: add, multiply, add Gaussian noise, or repeat one value. */
export const DRIFT_KINDS = ['offset', 'scale', 'noise', 'stuck'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/**
 * A sensor fault injected from `fromTime` on. It changes what the sensor reports, never the physics, so
 * ground-truth labels stay those of the true values. `amount`: offset = units added, scale = multiplier,
 * noise = sd of added Gaussian noise, stuck = ignored (the sensor repeats the value of its first reading
 * at or after `fromTime`).
 */
export interface DriftInjection {
  feature: DriftFeature;
  kind: DriftKind;
  amount: number;
  /** Device ids the drift applies to; all machines when absent. */
  machines?: readonly string[];
  /** Epoch milliseconds from which readings drift (inclusive). */
  fromTime: number;
}

/** Relative weights of the quality types across the fleet (need not sum to 1). */
export type QualityMix = Readonly<Record<QualityType, number>>;

export interface SimulatorOptions {
  /** Fleet size; devices are M-0001, M-0002, ... */
  machines: number;
  /** Integer seed; the same seed gives the same sequence. */
  seed: number;
  /** Epoch milliseconds of the fleet's first reading slot. */
  startTime: number;
  /**
   * Milliseconds between two readings of one machine; the fleet's readings interleave within it. With
   * `maxIntervalMs`, the shortest interval a machine may have.
   */
  intervalMs: number;
  /**
   * When set, each machine reports at an interval of its own, drawn once (from the seed) uniformly from
   * [intervalMs, maxIntervalMs], as a real fleet's machines run processes of different lengths.
   */
  maxIntervalMs?: number;
  drift?: readonly DriftInjection[];
  qualityMix?: QualityMix;
  /**
   * Replace the tool after an overstrain failure. Off by default because the AI4I file keeps the tool
   * after most OSF rows (55 of 62 OSF rows followed by the next process continue the wear).
   */
  replaceToolOnOsf?: boolean;
}

/** The labels the physics gives a process, computed from true values (devices never send these). */
export interface GroundTruth {
  TWF: boolean;
  HDF: boolean;
  PWF: boolean;
  OSF: boolean;
  RNF: boolean;
  /** Any of the five modes. */
  failure: boolean;
}

/** One reading as the device reports it, with the physics' labels beside it. */
export interface SimulatedReading {
  reading: SensorReading;
  truth: GroundTruth;
}
