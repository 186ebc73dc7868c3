import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Engine, onCi, requireEngine, skipWithout } from './engines.js';

const missing: Engine = { name: 'influxd', path: undefined, install: 'apt-get install -y influxdb' };
const present: Engine = { name: 'influxd', path: '/usr/bin/influxd', install: 'apt-get install -y influxdb' };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('engines the integration tests need', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['FALSE', false],
    ['true', true],
    ['1', true],
    ['yes', true],
  ])('CI=%s is a CI run: %s', (value, expected) => {
    expect(onCi(value === undefined ? {} : { CI: value })).toBe(expected);
  });

  it('locally, a missing engine skips its tests and prints why', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(skipWithout(missing, 'the sink tests', {})).toBe(true);
    expect(warn).toHaveBeenCalledWith(
      'SKIPPED the sink tests: influxd is not installed (apt-get install -y influxdb)',
    );
  });

  it('on CI, a missing engine does not skip: the tests run and fail, naming what to install', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(skipWithout(missing, 'the sink tests', { CI: 'true' })).toBe(false);
    expect(warn).not.toHaveBeenCalled();
    expect(() => requireEngine(missing, { CI: 'true' })).toThrow(
      'influxd is not installed (apt-get install -y influxdb); on CI (CI=true) the tests that need it fail instead of skipping',
    );
  });

  it('an installed engine runs its tests everywhere', () => {
    expect(skipWithout(present, 'the sink tests', {})).toBe(false);
    expect(skipWithout(present, 'the sink tests', { CI: 'true' })).toBe(false);
    expect(requireEngine(present, { CI: 'true' })).toBe('/usr/bin/influxd');
  });
});
