import { describe, expect, it } from 'vitest';
import { validateReading } from '../../../processors/inference/validateReading.js';
import type { SensorReading } from '../../../schemas/reading.js';
import { makeReading } from '../../fixtures/codec/readings.js';

const NOW = Date.UTC(2024, 0, 15, 9, 0, 0);

describe('validateReading', () => {
  it('accepts a plausible reading', () => {
    expect(validateReading(makeReading(), NOW)).toBeUndefined();
  });

  it.each<[string, Partial<SensorReading>, string, RegExp]>([
    ['NaN temperature', { processTemperatureK: Number.NaN }, 'NON_FINITE', /processTemperatureK is NaN/],
    ['infinite speed', { rotationalSpeedRpm: Number.POSITIVE_INFINITY }, 'NON_FINITE', /rotationalSpeedRpm/],
    ['negative torque', { torqueNm: -3 }, 'OUT_OF_RANGE', /torqueNm=-3 outside/],
    ['air below 200 K', { airTemperatureK: 150 }, 'OUT_OF_RANGE', /airTemperatureK=150/],
    ['tool wear over 1000 min', { toolWearMin: 5000 }, 'OUT_OF_RANGE', /toolWearMin=5000/],
    ['negative vibration (v2)', { vibrationRmsMmS: -1 }, 'OUT_OF_RANGE', /vibrationRmsMmS/],
    ['empty device id', { deviceId: '' }, 'INVALID_FIELD', /deviceId/],
    ['control character in device id', { deviceId: 'M-\u0000' }, 'INVALID_FIELD', /deviceId/],
    [
      'a space in the device id (not look-up-able)',
      { deviceId: 'press 7' },
      'INVALID_FIELD',
      /not a device id/,
    ],
    ['a line break in the firmware', { firmware: '2.4\n1' }, 'INVALID_FIELD', /firmware/],
    ['empty firmware', { firmware: '' }, 'INVALID_FIELD', /firmware/],
    ['negative sequence number', { sequenceNumber: -1 }, 'INVALID_FIELD', /sequenceNumber=-1/],
    ['timestamp in 1990', { timestamp: Date.UTC(1990, 0, 1) }, 'TIMESTAMP_OUT_OF_RANGE', /before 2000/],
    ['timestamp two days ahead', { timestamp: NOW + 2 * 86_400_000 }, 'TIMESTAMP_OUT_OF_RANGE', /ahead/],
  ])('rejects %s', (_name, override, code, reason) => {
    const failure = validateReading(makeReading(override), NOW);
    expect(failure?.code).toBe(code);
    expect(failure?.reason).toMatch(reason);
  });

  it.each<[string, Partial<SensorReading>]>([
    ['a null vibration (v1 data read as v2)', { vibrationRmsMmS: null }],
    ['zero speed (machine idle)', { rotationalSpeedRpm: 0 }],
    ['a timestamp 1 h ahead (device clock skew)', { timestamp: NOW + 3_600_000 }],
  ])('accepts %s', (_name, override) => {
    expect(validateReading(makeReading(override), NOW)).toBeUndefined();
  });
});
