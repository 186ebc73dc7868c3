import { describe, expect, it } from 'vitest';
import { parseToolInput } from '../../processors/agent/toolInputs.js';
import { validateReading } from '../../processors/inference/validateReading.js';
import { assertDeviceId } from '../../processors/store/queries/inputs.js';
import { DEVICE_ID_MAX_LENGTH, deviceIdProblem, isDeviceId } from '../../schemas/deviceId.js';
import { makeReading } from '../fixtures/codec/readings.js';

const NOW = Date.UTC(2024, 0, 15, 9, 0, 0);

/** Ids every door must accept, and ids every door must refuse (issue 13: `press 7` was stored but not look-up-able). */
const GOOD = ['M-0001', 'press-7.a', 'A', '0', 'line_3.M-12', 'x'.repeat(DEVICE_ID_MAX_LENGTH)];
const BAD = [
  'press 7',
  '',
  ' M-1',
  'M-1\\',
  'M\\1',
  'a,b=c',
  'M"q"',
  "M-1'; DROP TABLE predictions; --",
  'M-\n1',
  'M-\u0000',
  '-M-1',
  '.hidden',
  'Mä-ü',
  'x'.repeat(DEVICE_ID_MAX_LENGTH + 1),
];

describe('the device id rule (schemas/deviceId.ts): one rule at ingestion, in the stores and in the agent', () => {
  it.each(GOOD)('accepts %j at every door', (id) => {
    expect(deviceIdProblem(id)).toBeUndefined();
    expect(isDeviceId(id)).toBe(true);
    expect(validateReading(makeReading({ deviceId: id }), NOW)).toBeUndefined();
    expect(assertDeviceId(id)).toBe(id);
    expect(parseToolInput('machine_history', { machine_id: id }).machine_id).toBe(id);
  });

  it.each(BAD)('refuses %j at every door', (id) => {
    expect(deviceIdProblem(id)).toMatch(/deviceId/);
    expect(isDeviceId(id)).toBe(false);
    expect(validateReading(makeReading({ deviceId: id }), NOW)).toMatchObject({ code: 'INVALID_FIELD' });
    expect(() => assertDeviceId(id)).toThrow(/device id/);
    expect(() => parseToolInput('machine_history', { machine_id: id })).toThrow(/machine_id/);
  });
});
