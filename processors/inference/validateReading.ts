import { deviceIdProblem, isDeviceId } from '../../schemas/deviceId.js';
import type { MachineReading, SensorReading } from '../../schemas/reading.js';

/**
 * Physical bounds a reading must fall in to be scored. They are wide on purpose: they catch broken sensors and
 * corrupt values (negative torque, a temperature below 200 K), not unusual operation, which is the model's job.
 */
export const PHYSICAL_LIMITS = {
  airTemperatureK: { min: 200, max: 400 },
  processTemperatureK: { min: 200, max: 450 },
  rotationalSpeedRpm: { min: 0, max: 10_000 },
  torqueNm: { min: 0, max: 500 },
  toolWearMin: { min: 0, max: 1_000 },
} as const;

/** Readings stamped further than this ahead of the processor's clock are treated as a broken device clock. */
export const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;
const EARLIEST_TIMESTAMP = Date.UTC(2000, 0, 1);
/** Firmware is free text, but one line of printable characters (schemas/README.md, "v1 fields"). */
const MAX_FIRMWARE_LENGTH = 128;

export const VALIDATION_CODES = [
  'NON_FINITE',
  'OUT_OF_RANGE',
  'INVALID_FIELD',
  'TIMESTAMP_OUT_OF_RANGE',
] as const;
export type ValidationCode = (typeof VALIDATION_CODES)[number];

export interface ValidationFailure {
  code: ValidationCode;
  reason: string;
}

/** Returns why a decoded reading cannot be scored, or undefined when it can. */
export function validateReading(r: SensorReading, nowMs: number): ValidationFailure | undefined {
  const physical = physicalProblem(r);
  if (physical) return physical;
  // The contract's one id rule (schemas/deviceId.ts): an id refused here can never reach a store or the agent.
  if (!isDeviceId(r.deviceId)) {
    return { code: 'INVALID_FIELD', reason: deviceIdProblem(r.deviceId) as string };
  }
  if (!isPrintableLine(r.firmware, MAX_FIRMWARE_LENGTH)) {
    return {
      code: 'INVALID_FIELD',
      reason: `firmware ${JSON.stringify(r.firmware.slice(0, 40))} is empty, longer than ${MAX_FIRMWARE_LENGTH} characters or has control characters`,
    };
  }
  if (!Number.isSafeInteger(r.sequenceNumber) || r.sequenceNumber < 0) {
    return {
      code: 'INVALID_FIELD',
      reason: `sequenceNumber=${r.sequenceNumber} is not a non-negative integer`,
    };
  }
  if (
    !Number.isSafeInteger(r.timestamp) ||
    r.timestamp < EARLIEST_TIMESTAMP ||
    r.timestamp > nowMs + MAX_CLOCK_SKEW_MS
  ) {
    return {
      code: 'TIMESTAMP_OUT_OF_RANGE',
      reason: `timestamp=${r.timestamp} is before 2000-01-01 or more than 24 h ahead of the processor clock`,
    };
  }
  return undefined;
}

/**
 * Returns why a reading's measured values are physically impossible: the one check of measured values for every
 * door (the stream quarantines such a reading, the drift monitor skips it, `pfm score` rejects its CSV row).
 */
export function physicalProblem(
  r: MachineReading & Pick<SensorReading, 'vibrationRmsMmS'>,
): ValidationFailure | undefined {
  // Unrolled: one monomorphic call per field is several times faster than a loop over dynamic keys.
  const bad =
    outOfLimits('airTemperatureK', r.airTemperatureK) ??
    outOfLimits('processTemperatureK', r.processTemperatureK) ??
    outOfLimits('rotationalSpeedRpm', r.rotationalSpeedRpm) ??
    outOfLimits('torqueNm', r.torqueNm) ??
    outOfLimits('toolWearMin', r.toolWearMin);
  if (bad) return bad;
  if (r.vibrationRmsMmS != null && !(Number.isFinite(r.vibrationRmsMmS) && r.vibrationRmsMmS >= 0)) {
    return {
      code: 'OUT_OF_RANGE',
      reason: `vibrationRmsMmS=${r.vibrationRmsMmS} is not a finite value >= 0`,
    };
  }
  return undefined;
}

function outOfLimits(field: keyof typeof PHYSICAL_LIMITS, value: number): ValidationFailure | undefined {
  const { min, max } = PHYSICAL_LIMITS[field];
  if (value >= min && value <= max) return undefined;
  if (!Number.isFinite(value)) return { code: 'NON_FINITE', reason: `${field} is ${value}` };
  return { code: 'OUT_OF_RANGE', reason: `${field}=${value} outside the physical range [${min}, ${max}]` };
}

// A char loop, not /\p{Cc}/u: this runs once per record on the hot path.
function isPrintableLine(text: string, maxLength: number): boolean {
  if (text.length === 0 || text.length > maxLength) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false;
  }
  return true;
}
