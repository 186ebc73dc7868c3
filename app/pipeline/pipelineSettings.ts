import type { LocalPipelineOptions } from './types.js';

/** What a run derives from its options once, before anything starts. */
export interface PipelineSettings {
  /** Readings per drift window; 0 runs no drift monitor. */
  driftWindowRecords: number;
  /** Simulated ms between two readings of one machine. */
  intervalMs: number;
  /** Records per write: a tenth of a second's worth at a set rate (so pacing stays smooth), else the most one PutRecords takes. */
  writeChunk: number;
  streamName: string;
}

/** The most records one PutRecords call takes. */
const MAX_WRITE_CHUNK = 500;
const DEFAULT_DRIFT_WINDOW_RECORDS = 1000;

/** Checks the options that only make sense together, and fills in the defaults that depend on others. */
export function resolvePipelineSettings(
  opts: LocalPipelineOptions,
  now: () => number = Date.now,
): PipelineSettings {
  if (opts.records === undefined && !(opts.rate > 0))
    throw new Error('a run without --records needs --rate > 0');
  return {
    driftWindowRecords: opts.driftWindowRecords ?? DEFAULT_DRIFT_WINDOW_RECORDS,
    intervalMs: opts.intervalMs ?? (opts.rate > 0 ? (opts.machines * 1000) / opts.rate : 1000),
    writeChunk:
      opts.rate > 0 ? Math.max(1, Math.min(MAX_WRITE_CHUNK, Math.round(opts.rate / 10))) : MAX_WRITE_CHUNK,
    streamName: opts.streamName ?? `pfm-readings-${now()}`,
  };
}
