import { QUALITY_TYPES, type QualityType } from '../../schemas/reading.js';
import { DEFAULT_QUALITY_MIX } from './constants.js';
import { DriftingSensor } from './DriftingSensor.js';
import { SimulatorError } from './errors.js';
import { Machine } from './Machine.js';
import { createRandom, deriveSeed } from './random.js';
import {
  DRIFT_FEATURES,
  DRIFT_KINDS,
  type QualityMix,
  type SimulatedReading,
  type SimulatorOptions,
} from './types.js';

/** 1/φ: consecutive multiples modulo 1 spread as evenly as any sequence can, whatever the fleet size. */
const GOLDEN_FRACTION = (Math.sqrt(5) - 1) / 2;

/**
 * A fleet of mills reporting in time order. Pure apart from its own state: no I/O, no clock; time is
 * `startTime` plus multiples of `intervalMs`.
 */
export class Simulator {
  /** The fleet, in device order (M-0001 first). */
  readonly machines: readonly Machine[];
  private readonly sensors: readonly DriftingSensor[];
  /** Machine indices in the order they report within an interval. */
  private readonly order: readonly number[];
  private cursor = 0;

  constructor(options: SimulatorOptions) {
    validateOptions(options);
    const mix = options.qualityMix ?? DEFAULT_QUALITY_MIX;
    const mixOffset = createRandom(deriveSeed(options.seed, -1)).uniform();
    const machines: Machine[] = [];
    const sensors: DriftingSensor[] = [];
    for (let index = 0; index < options.machines; index++) {
      const machine = new Machine({
        index,
        seed: options.seed,
        qualityType: qualityAt((mixOffset + (index + 1) * GOLDEN_FRACTION) % 1, mix),
        startTime: options.startTime,
        intervalMs: options.intervalMs,
        replaceToolOnOsf: options.replaceToolOnOsf ?? false,
      });
      machines.push(machine);
      sensors.push(new DriftingSensor(machine.deviceId, index, options.seed, options.drift ?? []));
    }
    this.machines = machines;
    this.sensors = sensors;
    this.order = machines
      .map((machine, index) => ({ phase: machine.phaseMs, index }))
      .sort((a, b) => a.phase - b.phase || a.index - b.index)
      .map(({ index }) => index);
  }

  /** The fleet's next reading in time order, as the sensor reports it, with the true labels. */
  next(): SimulatedReading {
    const index = this.order[this.cursor] ?? 0;
    this.cursor = (this.cursor + 1) % this.order.length;
    const machine = this.machines[index] as Machine;
    const sensor = this.sensors[index] as DriftingSensor;
    const { reading, truth } = machine.step();
    return { reading: sensor.report(reading), truth };
  }

  /** The next n readings. */
  take(n: number): SimulatedReading[] {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new SimulatorError(
        'INVALID_SIMULATOR_OPTIONS',
        `take(n): n must be a non-negative integer, got ${n}`,
      );
    }
    return Array.from({ length: n }, () => this.next());
  }
}

/** Creates a seeded fleet simulator; the same options give the same sequence of readings. */
export function createSimulator(options: SimulatorOptions): Simulator {
  return new Simulator(options);
}

/** Picks the quality whose share of the (normalized) mix covers u in [0, 1). */
function qualityAt(u: number, mix: QualityMix): QualityType {
  const total = QUALITY_TYPES.reduce((sum, q) => sum + mix[q], 0);
  let cumulative = 0;
  for (const q of QUALITY_TYPES) {
    cumulative += mix[q] / total;
    if (u < cumulative) return q;
  }
  // Rounding can leave the cumulative share a hair below 1; the last type with weight takes the rest.
  return [...QUALITY_TYPES].reverse().find((q) => mix[q] > 0) ?? 'L';
}

function validateOptions(options: SimulatorOptions): void {
  const fail = (why: string): never => {
    throw new SimulatorError('INVALID_SIMULATOR_OPTIONS', `invalid simulator options: ${why}`);
  };
  if (!Number.isSafeInteger(options.machines) || options.machines < 1) {
    fail(`machines must be a positive integer, got ${options.machines}`);
  }
  if (!Number.isSafeInteger(options.seed)) fail(`seed must be an integer, got ${options.seed}`);
  if (!Number.isFinite(options.startTime))
    fail(`startTime must be epoch milliseconds, got ${options.startTime}`);
  if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0) {
    fail(`intervalMs must be a positive number, got ${options.intervalMs}`);
  }
  if (options.qualityMix !== undefined) {
    const weights = QUALITY_TYPES.map((q) => options.qualityMix?.[q]);
    if (weights.some((w) => w === undefined || !Number.isFinite(w) || w < 0)) {
      fail(`qualityMix needs a non-negative weight for each of ${QUALITY_TYPES.join(', ')}`);
    }
    if (weights.every((w) => w === 0)) fail('qualityMix weights are all zero');
  }
  (options.drift ?? []).forEach((d, i) => {
    if (!DRIFT_FEATURES.includes(d.feature)) fail(`drift[${i}].feature "${d.feature}" is unknown`);
    if (!DRIFT_KINDS.includes(d.kind)) fail(`drift[${i}].kind "${d.kind}" is unknown`);
    if (!Number.isFinite(d.amount)) fail(`drift[${i}].amount must be a finite number`);
    if (d.kind === 'noise' && d.amount < 0) fail(`drift[${i}].amount (noise sd) must be >= 0`);
    if (!Number.isFinite(d.fromTime)) fail(`drift[${i}].fromTime must be epoch milliseconds`);
  });
}
