import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calibrate, createRunCounter, parseCalibration } from '../../processors/drift/calibration.js';
import { createDriftCore, type FeatureEngineer } from '../../processors/drift/core.js';
import {
  type DriftCalibration,
  type DriftReference,
  SENSORS,
  type WindowState,
} from '../../processors/drift/types.js';
import { emptyWindow } from '../../processors/drift/window.js';
import { createSimulator } from '../../stream/simulator/Simulator.js';

/** A stationary simulated fleet to calibrate on: its size and the window size matter, the seed does not. */
export interface SimulatedCalibrationOptions {
  reference: DriftReference;
  engineer: FeatureEngineer;
  machines: number;
  windowRecords: number;
  /** Windows to replay; default 3,000 (slowly moving features need long replays to show their spread). */
  windows?: number;
  /** Default 20260101, kept apart from the seeds `pfm run` and the benchmark use. */
  seed?: number;
  /** Where to keep the result, keyed by fleet size, window size and reference; computed once per key. */
  cacheDir?: string;
}

/**
 * Calibrates the monitor on consecutive windows of a stationary simulated fleet of the given size (no drift
 * injected). The null spread of fleet windows depends on how many machines share a window (temperatures
 * and tool wear move slowly per machine), so calibrate with the fleet size the monitor will watch.
 */
export function calibrateOnSimulator(options: SimulatedCalibrationOptions): DriftCalibration {
  const windows = options.windows ?? 3000;
  const seed = options.seed ?? 20260101;
  const cachePath = options.cacheDir
    ? join(
        options.cacheDir,
        `drift-calibration-v2-${options.machines}x${options.windowRecords}-${windows}-${seed}-${options.reference.statisticsSha256.slice(0, 12)}.json`,
      )
    : undefined;
  if (cachePath && existsSync(cachePath)) return parseCalibration(readFileSync(cachePath, 'utf8'));

  const simulator = createSimulator({ machines: options.machines, seed, startTime: 0, intervalMs: 1000 });
  const core = createDriftCore({ reference: options.reference, engineer: options.engineer });
  const replay: WindowState[] = [];
  const runs = createRunCounter();
  const sensors = new Float64Array(SENSORS.length);
  for (let w = 0; w < windows; w++) {
    const window = emptyWindow();
    for (let i = 0; i < options.windowRecords; i++) {
      const { reading } = simulator.next();
      core.add(window, reading);
      SENSORS.forEach((sensor, s) => {
        sensors[s] = reading[sensor];
      });
      runs.add(reading.deviceId, sensors);
    }
    replay.push(window);
  }
  const calibration = calibrate([replay], options.reference, {
    source: `stationary simulator: ${options.machines} machines, seed ${seed}, ${windows} windows of ${options.windowRecords}`,
    windowRecords: options.windowRecords,
    sensorRuns: runs.finish(),
  });
  if (cachePath && options.cacheDir) {
    mkdirSync(options.cacheDir, { recursive: true });
    writeFileSync(cachePath, `${JSON.stringify(calibration, null, 2)}\n`);
  }
  return calibration;
}
