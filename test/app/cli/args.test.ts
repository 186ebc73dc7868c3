import { describe, expect, it } from 'vitest';
import { duration, intervalRange, parseCommandArgs, positiveInt } from '../../../app/cli/args.js';

describe('command arguments', () => {
  it('takes a negative number after a flag as its value, so the check can name what is wrong', () => {
    const { values } = parseCommandArgs('run', ['--records', '-5', '--rate', '-.5'], {
      records: { type: 'string' },
      rate: { type: 'string' },
    });
    expect(values).toEqual({ records: '-5', rate: '-.5' });
    expect(() => positiveInt(values.records, '--records')).toThrow(
      '--records must be a positive integer, got "-5"',
    );
  });

  it('turns an unknown option into one line pointing at the help', () => {
    expect(() => parseCommandArgs('top', ['--limt', '3'], { limit: { type: 'string' } })).toThrow(
      /^Unknown option '--limt' \(see "pfm top --help"\)$/,
    );
  });

  it('reads intervals: one duration for every machine, or a range', () => {
    expect(intervalRange('5m-10m', '--interval')).toEqual({ minMs: 300_000, maxMs: 600_000 });
    expect(intervalRange('30s', '--interval')).toEqual({ minMs: 30_000, maxMs: 30_000 });
    for (const bad of ['', '10m-5m', '0s', '5m-', '1m-2m-3m', 'often']) {
      expect(() => intervalRange(bad, '--interval')).toThrow('--interval must be');
    }
  });

  it('reads durations above zero only', () => {
    expect(duration('48h', '--span')).toBe(172_800_000);
    expect(() => duration('0h', '--span')).toThrow('--span must be a duration above zero');
    expect(() => duration(undefined, '--span')).toThrow('got "undefined"');
  });
});
