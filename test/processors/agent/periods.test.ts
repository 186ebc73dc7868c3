import { describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import { resolvePeriod } from '../../../processors/agent/periods.js';

// Wednesday 2026-01-07 15:30 UTC.
const NOW = Date.UTC(2026, 0, 7, 15, 30);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('resolvePeriod', () => {
  it.each([
    ['today', 'today', Date.UTC(2026, 0, 7), NOW + 1],
    ['yesterday', 'yesterday', Date.UTC(2026, 0, 6), Date.UTC(2026, 0, 7)],
    ['this_week', 'this_week', Date.UTC(2026, 0, 5), NOW + 1],
    ['This Week', 'this_week', Date.UTC(2026, 0, 5), NOW + 1],
    ['last_week', 'last_week', Date.UTC(2025, 11, 29), Date.UTC(2026, 0, 5)],
    ['last_24_hours', 'last_24_hours', NOW + 1 - DAY, NOW + 1],
    ['last 7 days', 'last_7_days', NOW + 1 - 7 * DAY, NOW + 1],
    ['last_1_hour', 'last_1_hours', NOW + 1 - HOUR, NOW + 1],
    ['last_90_minutes', 'last_90_minutes', NOW + 1 - 90 * 60_000, NOW + 1],
    ['last_366_days', 'last_366_days', NOW + 1 - 366 * DAY, NOW + 1],
  ])('%s', (text, name, from, to) => {
    expect(resolvePeriod(text, NOW)).toEqual({ name, range: { from, to } });
  });

  it('takes Monday as the first day of the week, on a Monday and on a Sunday', () => {
    const monday = Date.UTC(2026, 0, 5, 0, 0, 1);
    expect(resolvePeriod('this_week', monday).range.from).toBe(Date.UTC(2026, 0, 5));
    const sunday = Date.UTC(2026, 0, 11, 23, 59);
    expect(resolvePeriod('this_week', sunday).range.from).toBe(Date.UTC(2026, 0, 5));
  });

  it.each([
    ['1; select'],
    ["today'; DROP TABLE predictions; --"],
    ['last_0_days'],
    ['last_367_days'],
    ['last_9999999_hours'],
    ['next_week'],
    [''],
    ['x'.repeat(200)],
  ])('refuses %j', (text) => {
    expect(() => resolvePeriod(text, NOW)).toThrow(PfmError);
    try {
      resolvePeriod(text, NOW);
    } catch (error) {
      expect((error as PfmError).code).toBe('INVALID_TOOL_INPUT');
      // The message names what is accepted and never echoes more than 40 characters of the input.
      expect((error as Error).message).toMatch(/today|N must be/);
      expect((error as Error).message.length).toBeLessThan(400);
    }
  });
});
