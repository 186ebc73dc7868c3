import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDriftSpec } from '../../../stream/simulator/driftSpec.js';
import { SimulatorError } from '../../../stream/simulator/errors.js';
import { DRIFT_FEATURES, DRIFT_KINDS, type DriftInjection } from '../../../stream/simulator/types.js';

const START = Date.UTC(2026, 0, 1);

describe('parseDriftSpec', () => {
  it.each<[string, DriftInjection]>([
    [
      'torqueNm:offset:5@2026-01-01T00:10:00Z',
      { feature: 'torqueNm', kind: 'offset', amount: 5, fromTime: Date.UTC(2026, 0, 1, 0, 10) },
    ],
    [
      'airTemperatureK:stuck@+600s',
      { feature: 'airTemperatureK', kind: 'stuck', amount: 0, fromTime: START + 600_000 },
    ],
    [
      'torqueNm:scale:1.3:M-0001,M-0002@+0s',
      { feature: 'torqueNm', kind: 'scale', amount: 1.3, machines: ['M-0001', 'M-0002'], fromTime: START },
    ],
    [
      'rotationalSpeedRpm:noise:25.5:M-0007@+1.5m',
      {
        feature: 'rotationalSpeedRpm',
        kind: 'noise',
        amount: 25.5,
        machines: ['M-0007'],
        fromTime: START + 90_000,
      },
    ],
    [
      'processTemperatureK:stuck:M-0002@+2h',
      {
        feature: 'processTemperatureK',
        kind: 'stuck',
        amount: 0,
        machines: ['M-0002'],
        fromTime: START + 7_200_000,
      },
    ],
    [
      'toolWearMin:stuck:0@+250ms',
      { feature: 'toolWearMin', kind: 'stuck', amount: 0, fromTime: START + 250 },
    ],
    ['toolWearMin:offset:-12@+0ms', { feature: 'toolWearMin', kind: 'offset', amount: -12, fromTime: START }],
    ['torqueNm:scale:1e-1@+0s', { feature: 'torqueNm', kind: 'scale', amount: 0.1, fromTime: START }],
    [
      'torqueNm:offset:2@2026-01-01T01:00:00+01:00',
      { feature: 'torqueNm', kind: 'offset', amount: 2, fromTime: START },
    ],
    [
      ' torqueNm : offset : 5 @ +1s ',
      { feature: 'torqueNm', kind: 'offset', amount: 5, fromTime: START + 1000 },
    ],
  ])('parses %s', (text, expected) => {
    expect(parseDriftSpec(text, START)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['torqueNm:offset:5', /missing "@<time>"/],
    ['torque:offset:5@+0s', /unknown feature "torque"/],
    ['torqueNm@+0s', /missing kind/],
    ['torqueNm:offst:5@+0s', /unknown kind "offst"/],
    ['torqueNm:offset@+0s', /missing amount for kind "offset"/],
    ['torqueNm:offset:five@+0s', /amount "five" is not a number/],
    ['torqueNm:offset:M-0001@+0s', /amount "M-0001" is not a number/],
    ['torqueNm:scale:Infinity@+0s', /amount "Infinity" is not a number/],
    ['torqueNm:noise:-1@+0s', /noise amount "-1" must be >= 0/],
    ['torqueNm:offset:5:M-0001,,M-0002@+0s', /bad device id "" in "M-0001,,M-0002"/],
    ['torqueNm:offset:5:M 1@+0s', /bad device id "M 1"/],
    ['torqueNm:offset:5:M-0001:extra@+0s', /unexpected "extra"/],
    ['torqueNm:offset:5@', /missing time/],
    ['torqueNm:offset:5@+10', /time "\+10" is neither/],
    ['torqueNm:offset:5@+10w', /time "\+10w" is neither/],
    ['torqueNm:offset:5@2026-01-01', /time "2026-01-01" is neither/],
    ['torqueNm:offset:5@2026-13-01T00:00:00Z', /time "2026-13-01T00:00:00Z" is neither/],
    ['torqueNm:offset:5@tomorrow', /time "tomorrow" is neither/],
  ])('rejects %s', (text, message) => {
    expect(() => parseDriftSpec(text, START)).toThrow(SimulatorError);
    expect(() => parseDriftSpec(text, START)).toThrow(message);
  });

  it('needs the start time for a relative time', () => {
    expect(() => parseDriftSpec('torqueNm:offset:5@+600s')).toThrow(/relative time "\+600s" needs/);
    expect(parseDriftSpec('torqueNm:offset:5@2026-01-01T00:00:00Z').fromTime).toBe(START);
  });

  describe('within a run', () => {
    const run = { start: START, end: START + 48 * 3_600_000 };

    it.each<[string, number]>([
      ['torqueNm:offset:8@+2h', START + 7_200_000],
      ['torqueNm:offset:8@+1d', START + 86_400_000],
      ['torqueNm:offset:8@50%', START + 24 * 3_600_000],
      ['torqueNm:offset:8@0%', START],
      ['torqueNm:offset:8@100%', run.end],
      ['airTemperatureK:stuck:M-0003@+0s', START],
      ['torqueNm:offset:8@2026-01-02T00:00:00Z', START + 86_400_000],
    ])('places %s in the run', (text, fromTime) => {
      expect(parseDriftSpec(text, run).fromTime).toBe(fromTime);
    });

    it.each<[string, RegExp]>([
      [
        'torqueNm:offset:8@+50h',
        /starts at 2026-01-03T02:00:00Z, after the run's last reading \(the run covers 2026-01-01T00:00:00Z to 2026-01-03T00:00:00Z; use @\+0h to @\+48h or @0% to @100%\)/,
      ],
      ['torqueNm:offset:8@2025-12-31T23:00:00Z', /before the run's first reading/],
      ['torqueNm:offset:8@101%', /past the end of the run/],
    ])('refuses %s, which falls outside it', (text, message) => {
      expect(() => parseDriftSpec(text, run)).toThrow(SimulatorError);
      expect(() => parseDriftSpec(text, run)).toThrow(message);
    });

    it('takes any later time in a run that goes on live, but no fraction of it', () => {
      expect(parseDriftSpec('torqueNm:offset:8@+50h', { start: START }).fromTime).toBe(
        START + 50 * 3_600_000,
      );
      expect(() => parseDriftSpec('torqueNm:offset:8@50%', { start: START })).toThrow(/known end/);
    });
  });

  it('names the whole spec and carries a non-retryable code', () => {
    try {
      parseDriftSpec('torqueNm:bogus:1@+0s', START);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SimulatorError);
      expect((error as SimulatorError).code).toBe('INVALID_DRIFT_SPEC');
      expect((error as SimulatorError).retryable).toBe(false);
      expect((error as Error).message).toContain('"torqueNm:bogus:1@+0s"');
    }
  });

  it('reads back what a well-formed spec says', () => {
    const device = fc.integer({ min: 1, max: 9999 }).map((n) => `M-${String(n).padStart(4, '0')}`);
    fc.assert(
      fc.property(
        fc.constantFrom(...DRIFT_FEATURES),
        fc.constantFrom(...DRIFT_KINDS),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.option(fc.uniqueArray(device, { minLength: 1, maxLength: 5 }), { nil: undefined }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (feature, kind, amount, machines, offsetMs) => {
          const amountPart = kind === 'stuck' ? '' : `:${amount}`;
          const machinesPart = machines ? `:${machines.join(',')}` : '';
          const parsed = parseDriftSpec(
            `${feature}:${kind}${amountPart}${machinesPart}@+${offsetMs}ms`,
            START,
          );
          expect(parsed).toEqual({
            feature,
            kind,
            amount: kind === 'stuck' ? 0 : amount,
            ...(machines ? { machines } : {}),
            fromTime: START + offsetMs,
          });
        },
      ),
    );
  });
});
