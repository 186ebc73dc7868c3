import { describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import {
  calibrate,
  MIN_CALIBRATION_WINDOWS,
  parseCalibration,
} from '../../../processors/drift/calibration.js';
import { loadDriftReference } from '../../../processors/drift/reference.js';
import { fleetCalibration } from './fixtures.js';

const reference = loadDriftReference();
const calibration = fleetCalibration(reference);

describe('calibration on a stationary fleet', () => {
  it('finds iid spread for per-process readings and a large design effect for slowly moving ones', () => {
    const fleet = calibration.scopes.fleet ?? {};
    for (const iid of ['torque_nm', 'rotational_speed_rpm', 'power_w']) {
      expect(fleet[iid]?.mean).toBeLessThan(1.6);
      expect(fleet[iid]?.psiScale).toBeLessThan(1.6);
      expect(fleet[iid]?.meanLongRun).toBeLessThan(1.5);
    }
    for (const slow of ['air_temperature_k', 'process_temperature_k', 'temperature_delta_k']) {
      expect(fleet[slow]?.mean).toBeGreaterThan(2);
      expect(fleet[slow]?.meanLongRun).toBeGreaterThan(20);
    }
    // Speed = base + k / torque: heavy tails, so its sample variance varies more than normal theory says.
    expect(fleet.rotational_speed_rpm?.variance).toBeGreaterThan(2);
    // A quality type is a scope there, not a feature.
    expect(calibration.scopes['quality:L']?.quality_type_ordinal).toBeUndefined();
    // Four to six H machines in a 50-machine fleet: never enough to score that scope.
    expect(calibration.scopes['quality:H']).toBeUndefined();
  });

  it('round-trips through JSON and refuses malformed files', () => {
    expect(parseCalibration(JSON.stringify(calibration))).toEqual(calibration);
    expect(() => parseCalibration('{"version":2}')).toThrow(PfmError);
    expect(() => parseCalibration('not json')).toThrow(/not JSON/);
  });

  it('needs enough windows to say anything', () => {
    expect(() => calibrate([], reference, { source: 'x', windowRecords: 1000 })).toThrow(
      new RegExp(`at least ${MIN_CALIBRATION_WINDOWS} windows`),
    );
  });
});
