import { createSimulator } from '../../stream/simulator/Simulator.js';
import { planReadingTime, type ReadingTimePlan } from './readingTime.js';
import type { LocalPipelineOptions } from './types.js';

/** What a run derives from its options once, before anything starts. */
export interface PipelineSettings {
  /** Readings per drift window; 0 runs no drift monitor. */
  driftWindowRecords: number;
  /** Simulated ms between two readings of one machine (the smallest, with maxIntervalMs). */
  intervalMs: number;
  /** Records per write: a tenth of a second's worth at a set rate (so pacing stays smooth), else the most one PutRecords takes. */
  writeChunk: number;
  streamName: string;
  /** The reading time the run covers. */
  time: ReadingTimePlan;
}

/** The most records one PutRecords call takes. */
const MAX_WRITE_CHUNK = 500;
const DEFAULT_DRIFT_WINDOW_RECORDS = 1000;

/** Checks the options that only make sense together, and fills in the defaults that depend on others. */
export function resolvePipelineSettings(
  opts: LocalPipelineOptions,
  now: () => number = Date.now,
): PipelineSettings {
  if (!(opts.rate >= 0)) throw new Error(`rate must be a number >= 0, got ${opts.rate}`);
  const intervalMs = opts.intervalMs ?? (opts.rate > 0 ? (opts.machines * 1000) / opts.rate : 1000);
  const fleet = {
    machines: opts.machines,
    seed: opts.seed,
    intervalMs,
    ...(opts.maxIntervalMs !== undefined ? { maxIntervalMs: opts.maxIntervalMs } : {}),
  };
  return {
    driftWindowRecords: opts.driftWindowRecords ?? DEFAULT_DRIFT_WINDOW_RECORDS,
    intervalMs,
    writeChunk:
      opts.rate > 0 ? Math.max(1, Math.min(MAX_WRITE_CHUNK, Math.round(opts.rate / 10))) : MAX_WRITE_CHUNK,
    streamName: opts.streamName ?? `pfm-readings-${now()}`,
    time:
      opts.startTime === undefined
        ? // By default the readings end now, so their times are what a real fleet's would be.
          planReadingTime(fleet, {
            now: now(),
            ...(opts.records !== undefined ? { records: opts.records } : { live: true }),
          })
        : {
            start: opts.startTime,
            end:
              opts.records === undefined
                ? undefined
                : opts.startTime + createSimulator({ ...fleet, startTime: 0 }).spanOfReadings(opts.records),
            readings: opts.records,
          },
  };
}
