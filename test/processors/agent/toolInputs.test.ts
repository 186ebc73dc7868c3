import { describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import { parseToolInput } from '../../../processors/agent/toolInputs.js';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PfmError);
    expect((error as PfmError).code).toBe('INVALID_TOOL_INPUT');
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('parseToolInput', () => {
  it('applies defaults', () => {
    expect(parseToolInput('top_at_risk', {})).toEqual({ period: 'last_24_hours', limit: 10, window: 20 });
    expect(parseToolInput('fleet_summary', undefined)).toEqual({ period: 'last_24_hours' });
    expect(parseToolInput('drift_status', { period: 'today' })).toEqual({ period: 'today', limit: 10 });
  });

  it.each([
    ['numbers', { limit: 3, window: 50 }, { limit: 3, window: 50 }],
    ['digits as text', { limit: '3', window: ' 50 ' }, { limit: 3, window: 50 }],
    ['a mode in lower case', { mode: 'osf' }, { mode: 'OSF' }],
    ['the largest limit', { limit: 50 }, { limit: 50 }],
  ])('accepts %s', (_name, raw, expected) => {
    expect(parseToolInput('top_at_risk', raw)).toMatchObject(expected);
  });

  it.each([
    ['limit=10000', 'top_at_risk', { limit: 10000 }, /limit must be at most 50/],
    ['limit=0', 'top_at_risk', { limit: 0 }, /limit must be a whole number from 1 to 50/],
    ['limit=2.5', 'top_at_risk', { limit: 2.5 }, /limit must be a whole number/],
    [
      'window="1; select"',
      'top_at_risk',
      { window: '1; select' },
      /window must be a whole number from 1 to 1000/,
    ],
    ['mode=XYZ', 'top_at_risk', { mode: 'XYZ' }, /mode must be one of TWF, HDF, PWF, OSF, RNF/],
    ['an unknown parameter', 'fleet_summary', { sql: 'select 1' }, /unknown parameter\(s\) sql/],
    [
      'a machine id carrying SQL',
      'machine_history',
      { machine_id: "M-0001'; DROP TABLE predictions; --" },
      /machine_id must be letters, digits/,
    ],
    ['a missing machine id', 'machine_history', {}, /machine_id is required/],
    ['a machine id with a space', 'machine_history', { machine_id: 'M 0001' }, /machine_id must be/],
    ['a period that is too long', 'fleet_summary', { period: 'x'.repeat(41) }, /period must be at most 40/],
  ] as const)('refuses %s', (_name, tool, raw, message) => {
    expect(refusal(() => parseToolInput(tool, raw))).toMatch(message);
  });
});
