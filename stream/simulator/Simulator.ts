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
 * A fleet of mills reporting in time order. Pure apart from its own state: no I/O, no clock; machine i
 * reports at `startTime` + its phase + multiples of its own interval.
 */
export class Simulator {
  /** The fleet, in device order (M-0001 first). */
  readonly machines: readonly Machine[];
  private readonly sensors: readonly DriftingSensor[];
  /** Machine indices as a binary min-heap on (next reading time, index): the next reading is at the root. */
  private readonly heap: number[];

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
        intervalMs: intervalOf(options, index),
        replaceToolOnOsf: options.replaceToolOnOsf ?? false,
      });
      machines.push(machine);
      sensors.push(new DriftingSensor(machine.deviceId, index, options.seed, options.drift ?? []));
    }
    this.machines = machines;
    this.sensors = sensors;
    this.heap = machines.map((_, index) => index);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Epoch milliseconds of the reading next() returns. */
  get nextTimestamp(): number {
    return (this.machines[this.heap[0] as number] as Machine).nextTimestamp;
  }

  /** The fleet's next reading in time order, as the sensor reports it, with the true labels. */
  next(): SimulatedReading {
    const index = this.heap[0] as number;
    const machine = this.machines[index] as Machine;
    const sensor = this.sensors[index] as DriftingSensor;
    const { reading, truth } = machine.step();
    this.siftDown(0);
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

  /** How many readings the fleet makes in its first `ms` of reading time (from startTime, inclusive). */
  readingsWithin(ms: number): number {
    let count = 0;
    for (const m of this.machines) {
      if (m.phaseMs <= ms) count += Math.floor((ms - m.phaseMs) / m.intervalMs) + 1;
    }
    return count;
  }

  /** The reading time (ms after startTime) the fleet's first `n` readings take: the offset of the n-th one. */
  spanOfReadings(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new SimulatorError('INVALID_SIMULATOR_OPTIONS', `spanOfReadings(n): n must be >= 1, got ${n}`);
    }
    let lo = 0;
    let hi = 1;
    while (this.readingsWithin(hi) < n) hi *= 2;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.readingsWithin(mid) >= n) hi = mid;
      else lo = mid;
    }
    return this.readingsWithin(lo) >= n ? lo : hi;
  }

  private before(a: number, b: number): boolean {
    const ta = (this.machines[a] as Machine).nextTime;
    const tb = (this.machines[b] as Machine).nextTime;
    return ta < tb || (ta === tb && a < b);
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.before(heap[left] as number, heap[smallest] as number)) smallest = left;
      if (right < heap.length && this.before(heap[right] as number, heap[smallest] as number))
        smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest] as number, heap[i] as number];
      i = smallest;
    }
  }
}

/** A machine's reading interval: the fleet's, or its own draw from [intervalMs, maxIntervalMs]. */
function intervalOf(options: SimulatorOptions, index: number): number {
  const max = options.maxIntervalMs;
  if (max === undefined || max === options.intervalMs) return options.intervalMs;
  // A stream of its own, so a fleet with one interval reads exactly as before and a machine's physics never moves.
  const u = createRandom(deriveSeed(options.seed, index, 2)).uniform();
  return Math.round(options.intervalMs + u * (max - options.intervalMs));
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
  if (
    options.maxIntervalMs !== undefined &&
    !(Number.isFinite(options.maxIntervalMs) && options.maxIntervalMs >= options.intervalMs)
  ) {
    fail(
      `maxIntervalMs must be a number >= intervalMs (${options.intervalMs}), got ${options.maxIntervalMs}`,
    );
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
