import { describe, expect, it } from 'vitest';
import { readDriftConfig } from '../../../processors/drift/config.js';

const BASE = { PFM_EVENT_BUS: 'pfm-events' };

describe('readDriftConfig: state store and drift table', () => {
  it.each([
    [
      {},
      {
        PFM_DRIFT_LOCK_LEASE_SECONDS: 960,
        PFM_DRIFT_STATE_DIR: '/tmp/pfm-drift',
        PFM_DRIFT_WINDOW_MAX_SECONDS: 3600,
      },
    ],
    [{ PFM_DRIFT_CALIBRATION: '/var/task/cal.json' }, { PFM_DRIFT_CALIBRATION: '/var/task/cal.json' }],
    [
      { PFM_DRIFT_STATE_TABLE: 'pfm-drift-state', PFM_DRIFT_LOCK_LEASE_SECONDS: '180' },
      { PFM_DRIFT_STATE_TABLE: 'pfm-drift-state', PFM_DRIFT_LOCK_LEASE_SECONDS: 180 },
    ],
    [
      { PFM_SINK: 'timestream', TIMESTREAM_DATABASE: 'pfm' },
      { TIMESTREAM_DATABASE: 'pfm', TIMESTREAM_DRIFT_TABLE: 'drift_scores' },
    ],
  ])('accepts %j', (env, expected) => {
    expect(readDriftConfig({ ...BASE, ...env })).toMatchObject(expected);
  });

  it.each([
    [{ PFM_DRIFT_STATE_TABLE: 'a b' }, /PFM_DRIFT_STATE_TABLE: must be 3-255 characters/],
    [{ PFM_DRIFT_LOCK_LEASE_SECONDS: '0' }, /PFM_DRIFT_LOCK_LEASE_SECONDS/],
    [{ PFM_DRIFT_WINDOW_MAX_SECONDS: '30' }, /PFM_DRIFT_WINDOW_MAX_SECONDS/],
    [{ PFM_SINK: 'timestream' }, /TIMESTREAM_DATABASE: required when PFM_SINK is timestream/],
    [
      { PFM_SINK: 'timestream', TIMESTREAM_DATABASE: 'pfm', TIMESTREAM_DRIFT_TABLE: 'x' },
      /TIMESTREAM_DRIFT_TABLE/,
    ],
  ])('names the wrong setting in %j', (env, message) => {
    expect(() => readDriftConfig({ ...BASE, ...env })).toThrow(message);
  });
});
