import type { ClosedWindow, FleetWindowState, ShardMark, WindowState } from './types.js';
import { emptyWindow, mergeWindows } from './window.js';

/** One shard's share of one tumbling period, as its final invocation hands it over. */
export interface ShardPartial {
  shardId: string;
  /** Start of the tumbling period (epoch ms): Lambda's windows are the same periods on every shard. */
  period: number;
  /** The shard's readings of the period (possibly none: the invocation still says time has moved on). */
  window: WindowState;
  /** The highest Kinesis sequence number folded into it; undefined when it holds no record. */
  maxSequence: string | undefined;
}

/** When a fleet window closes. */
export interface FleetWindowRule {
  /** Readings a window needs before it may close (the calibration's window size). */
  windowRecords: number;
  /** A window spanning this many ms of periods closes whatever it holds (a slow fleet); undefined: never. */
  maxSpanMs: number | undefined;
  /** A shard's mark is forgotten once the newest period is this much later than the shard's last one. */
  shardRetentionMs: number;
}

/** A fleet window state that has seen nothing. */
export function emptyFleetWindow(firstSeq = 1): FleetWindowState {
  return {
    seq: firstSeq,
    window: emptyWindow(),
    firstPeriod: null,
    lastPeriod: null,
    partials: 0,
    shards: {},
  };
}

/**
 * Folds one shard's partial into the fleet window, whatever the number of shards (an on-demand stream
 * splits and merges them, shards come and go, a quiet one sends nothing):
 * - a partial already folded (a retried final invocation: its highest sequence number is not above the
 *   shard's mark) changes nothing;
 * - a window closes at the first period boundary after it holds `windowRecords` readings (or spans
 *   `maxSpanMs`): the first partial of a later period, from any shard, closes it before being folded into
 *   the next one. A window is so made of whole periods of the whole fleet: never one shard's share alone;
 *   a late shard's partial of a closed period goes into the open window, counted, never lost.
 * Pure: returns the next state and the window it closed, if any.
 */
export function foldPartial(
  state: FleetWindowState,
  partial: ShardPartial,
  rule: FleetWindowRule,
): { next: FleetWindowState; closed: ClosedWindow | undefined; duplicate: boolean } {
  const mark = state.shards[partial.shardId];
  if (
    mark !== undefined &&
    partial.maxSequence !== undefined &&
    BigInt(partial.maxSequence) <= BigInt(mark.sequence)
  ) {
    return { next: state, closed: undefined, duplicate: true };
  }
  let open = state;
  let closed: ClosedWindow | undefined;
  const w = state.window;
  const later = state.lastPeriod !== null && partial.period > state.lastPeriod;
  const full = w.records >= rule.windowRecords;
  const spanned =
    rule.maxSpanMs !== undefined &&
    state.firstPeriod !== null &&
    w.records > 0 &&
    partial.period - state.firstPeriod >= rule.maxSpanMs;
  if (later && (full || spanned)) {
    closed = {
      seq: state.seq,
      start: w.firstReadingAt ?? (state.firstPeriod as number),
      end: w.lastReadingAt ?? (state.lastPeriod as number),
      state: w,
      // Closed by time before it had its readings.
      terminatedEarly: !full,
    };
    open = { ...emptyFleetWindow(state.seq + 1), shards: state.shards };
  }
  const holds = partial.window.records > 0 || partial.window.undecodable > 0;
  const shards: Record<string, ShardMark> = {};
  const newest = Math.max(partial.period, open.lastPeriod ?? partial.period);
  for (const [id, m] of Object.entries(open.shards)) {
    if (newest - m.period <= rule.shardRetentionMs) shards[id] = m;
  }
  if (partial.maxSequence !== undefined)
    shards[partial.shardId] = { sequence: partial.maxSequence, period: partial.period };
  const next: FleetWindowState = {
    seq: open.seq,
    window: holds ? mergeWindows(open.window, partial.window) : open.window,
    firstPeriod: holds ? Math.min(open.firstPeriod ?? partial.period, partial.period) : open.firstPeriod,
    lastPeriod: Math.max(open.lastPeriod ?? partial.period, partial.period),
    partials: open.partials + (holds ? 1 : 0),
    shards,
  };
  return { next, closed, duplicate: false };
}
