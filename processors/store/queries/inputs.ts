import { PfmError } from '../../../kernel/errors.js';
import { DEVICE_ID_RULE, isDeviceId } from '../../../schemas/deviceId.js';
import { FAILURE_MODES, type FailureMode } from '../../inference/types.js';
import type { PeriodQueries, TimeRange } from '../types.js';

/** Bounds of every query the agent's tools run: an answer never holds more rows than these. */
export const QUERY_BOUNDS = {
  maxLimit: 50,
  maxWindow: 1000,
  maxFeatures: 10,
  /** The widest range a tool may ask for (a year). */
  maxRangeMs: 366 * 24 * 3_600_000,
  /** Epoch ms bounds of a range end: 2000-01-01 to 2100-01-01. */
  minTime: Date.UTC(2000, 0, 1),
  maxTime: Date.UTC(2100, 0, 1),
} as const;

function invalid(message: string): never {
  throw new PfmError('INVALID_TOOL_INPUT', message);
}

/** Throws INVALID_TOOL_INPUT unless `n` is a whole number in [min, max]. */
export function assertWhole(n: number, name: string, min: number, max: number): number {
  if (!Number.isSafeInteger(n) || n < min || n > max)
    invalid(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** Throws INVALID_TOOL_INPUT unless the id is a device id by the contract's rule (schemas/deviceId.ts). */
export function assertDeviceId(id: string): string {
  if (!isDeviceId(id)) invalid(`device id must be ${DEVICE_ID_RULE}`);
  return id;
}

/** Throws INVALID_TOOL_INPUT unless the range is ordered, whole milliseconds, within bounds and at most a year. */
export function assertRange(range: TimeRange): TimeRange {
  assertWhole(range.from, 'range start', QUERY_BOUNDS.minTime, QUERY_BOUNDS.maxTime);
  assertWhole(range.to, 'range end', QUERY_BOUNDS.minTime, QUERY_BOUNDS.maxTime);
  if (range.to <= range.from) invalid('range end must be after its start');
  if (range.to - range.from > QUERY_BOUNDS.maxRangeMs) invalid('a range may span at most 366 days');
  return range;
}

/** Throws INVALID_TOOL_INPUT unless `mode` is one of the five failure modes. */
export function assertMode(mode: string): FailureMode {
  if (!(FAILURE_MODES as readonly string[]).includes(mode))
    invalid(`mode must be one of ${FAILURE_MODES.join(', ')}`);
  return mode as FailureMode;
}

type RiskRankingOptions = Parameters<PeriodQueries['riskRanking']>[0];
type MachineHistoryOptions = Parameters<PeriodQueries['machineHistory']>[0];
type DriftStatusOptions = Parameters<PeriodQueries['driftStatus']>[0];

/** riskRanking's options, checked in this order with the bounds above: the same on every store. */
export function checkRiskRanking(options: RiskRankingOptions): RiskRankingOptions {
  return {
    range: assertRange(options.range),
    limit: assertWhole(options.limit, 'limit', 1, QUERY_BOUNDS.maxLimit),
    window: assertWhole(options.window, 'window', 1, QUERY_BOUNDS.maxWindow),
    ...(options.mode === undefined ? {} : { mode: assertMode(options.mode) }),
  };
}

/** machineHistory's options, checked in this order with the bounds above: the same on every store. */
export function checkMachineHistory(options: MachineHistoryOptions): MachineHistoryOptions {
  return {
    deviceId: assertDeviceId(options.deviceId),
    range: assertRange(options.range),
    limit: assertWhole(options.limit, 'limit', 1, QUERY_BOUNDS.maxLimit),
    window: assertWhole(options.window, 'window', 1, QUERY_BOUNDS.maxWindow),
  };
}

/** driftStatus's options, checked with the bounds above: the same on every store. */
export function checkDriftStatus(options: DriftStatusOptions): DriftStatusOptions {
  return {
    range: assertRange(options.range),
    features: assertWhole(options.features, 'features', 1, QUERY_BOUNDS.maxFeatures),
  };
}
