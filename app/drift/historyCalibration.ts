import { calibrate, createRunCounter } from '../../processors/drift/calibration.js';
import { DEFAULT_POLICY, type DriftPolicy } from '../../processors/drift/constants.js';
import type { DriftCore } from '../../processors/drift/core.js';
import { type DriftCalibration, SENSORS, type WindowState } from '../../processors/drift/types.js';
import { emptyWindow } from '../../processors/drift/window.js';
import type { SensorReading } from '../../schemas/reading.js';
import type { History } from './historyReadings.js';

/**
 * The policy override a history needs: a history of one machine's processes (the AI4I file) has one device,
 * so the fleet rule that a scope needs readings from several machines cannot apply to it.
 */
export function historyPolicy(history: History): Partial<DriftPolicy> {
  return history.machines < DEFAULT_POLICY.minScopeDevices ? { minScopeDevices: 1 } : {};
}

/** A contiguous stretch [start, end) of a history's readings. */
export type Segment = readonly [number, number];

export interface HistoryCalibrationOptions {
  /**
   * An uncalibrated core of the reference to calibrate (createDriftCore without calibration), with the
   * policy the windows are to be scored under (historyPolicy for a one-machine history).
   */
  core: DriftCore;
  history: History;
  windowRecords: number;
  /**
   * Replays start every `stride` readings, from 0 to just under windowRecords: each replay cuts the history
   * into consecutive windows at its own phase. Default windowRecords / 20.
   */
  stride?: number;
  /** The stretches to use (default: all of it); a cross-validation over time leaves its held-out fold out. */
  segments?: readonly Segment[];
}

/**
 * Consecutive windows of a time-ordered history, replayed from several phase offsets: per segment and
 * offset, one sequence of back-to-back windows of windowRecords readings in the history's own order, as
 * [from, to) ranges. A history of 8,000 rows holds only 8 disjoint windows of 1,000; the offsets give every
 * stretch of it a turn at each position in a window, so the spread of window statistics is estimated from
 * all of it, and the sequences keep real neighbours for the window-to-window correlation.
 */
export function historyWindowRanges(
  length: number,
  windowRecords: number,
  options: { stride?: number; segments?: readonly Segment[] } = {},
): Segment[][] {
  const W = windowRecords;
  const stride = options.stride ?? Math.max(1, Math.floor(W / 20));
  const segments = options.segments ?? [[0, length] as const];
  const sequences: Segment[][] = [];
  for (const [start, end] of segments) {
    for (let offset = 0; offset < W && start + offset + W <= end; offset += stride) {
      const sequence: Segment[] = [];
      for (let from = start + offset; from + W <= end; from += W) sequence.push([from, from + W]);
      sequences.push(sequence);
    }
  }
  return sequences;
}

/** The windows of historyWindowRanges, folded by the core. */
export function historySequences(options: HistoryCalibrationOptions): WindowState[][] {
  const { core, history } = options;
  return historyWindowRanges(history.readings.length, options.windowRecords, options).map((sequence) =>
    sequence.map(([from, to]) => {
      const window = emptyWindow();
      for (let i = from; i < to; i++) core.add(window, history.readings[i] as SensorReading);
      return window;
    }),
  );
}

/**
 * Calibrates the monitor on a time-ordered history (a reference file in its own order): the scores' null
 * spreads from its consecutive windows at every phase (historySequences), and each sensor's runs of identical
 * values from its machines' readings in order (breaking at segment boundaries).
 */
export function calibrateOnHistory(
  options: HistoryCalibrationOptions & {
    source: string;
    /** The windows of historySequences(options), when the caller has them already. */
    sequences?: readonly (readonly WindowState[])[];
  },
): DriftCalibration {
  const { history } = options;
  const segments = options.segments ?? [[0, history.readings.length] as const];
  const runs = createRunCounter();
  const values = new Float64Array(SENSORS.length);
  segments.forEach(([start, end], k) => {
    for (let i = start; i < end; i++) {
      const reading = history.readings[i] as SensorReading;
      SENSORS.forEach((sensor, s) => {
        values[s] = reading[sensor];
      });
      runs.add(`${k}:${reading.deviceId}`, values);
    }
  });
  const reference = options.core.reference;
  return calibrate(options.sequences ?? historySequences(options), reference, {
    source: options.source,
    windowRecords: options.windowRecords,
    minScopeDevices: options.core.policy.minScopeDevices,
    sensorRuns: runs.finish(),
  });
}
