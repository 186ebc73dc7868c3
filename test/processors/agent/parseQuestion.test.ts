import { describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import { parseQuestion } from '../../../processors/agent/parseQuestion.js';

describe('parseQuestion', () => {
  it.each([
    [
      'which machines are most at risk this week, and why?',
      [{ name: 'top_at_risk', input: { period: 'this_week', limit: 5 } }],
    ],
    [
      'what happened to M-0042 yesterday?',
      [{ name: 'machine_history', input: { machine_id: 'M-0042', period: 'yesterday' } }],
    ],
    ['how is machine 7 doing?', [{ name: 'machine_history', input: { machine_id: 'M-0007' } }]],
    [
      'show m-42 and M-0042 over the last 3 days',
      [{ name: 'machine_history', input: { machine_id: 'M-0042', period: 'last_3_days' } }],
    ],
    [
      'top 3 machines for overstrain in the last 24 hours',
      [{ name: 'top_at_risk', input: { period: 'last_24_hours', limit: 3, mode: 'OSF' } }],
    ],
    [
      'any power failures today?',
      [{ name: 'top_at_risk', input: { period: 'today', limit: 5, mode: 'PWF' } }],
    ],
    [
      'fleet summary and drift for the past 2 weeks',
      [
        { name: 'fleet_summary', input: { period: 'last_14_days' } },
        { name: 'drift_status', input: { period: 'last_14_days' } },
      ],
    ],
    ['was a retraining recommended last week?', [{ name: 'drift_status', input: { period: 'last_week' } }]],
    ['what should we service before the night shift?', [{ name: 'maintenance_plan', input: {} }]],
    [
      'which machines are due for maintenance in the next 4 hours?',
      [{ name: 'maintenance_plan', input: { within_hours: 4 } }],
    ],
    [
      'hello',
      [
        { name: 'fleet_summary', input: {} },
        { name: 'top_at_risk', input: { limit: 5 } },
      ],
    ],
  ])('%j', (question, calls) => {
    expect(parseQuestion(question).calls).toEqual(calls);
  });

  it('reads only the machine id out of an injection attempt', () => {
    const plan = parseQuestion("what happened to M-0001'; DROP TABLE predictions; --");
    expect(plan.machines).toEqual(['M-0001']);
    expect(plan.calls).toEqual([{ name: 'machine_history', input: { machine_id: 'M-0001' } }]);
  });

  it('caps "top N" at 50 and says so', () => {
    const plan = parseQuestion('top 10000 machines at risk');
    expect(plan.calls[0]?.input.limit).toBe(50);
    expect(plan.notes.join(' ')).toMatch(/Asked for 10000 machines; answers list 50 at most/);
  });

  it('looks up at most 5 machines', () => {
    const plan = parseQuestion('M-1 M-2 M-3 M-4 M-5 M-6 M-7');
    expect(plan.calls.map((c) => c.input.machine_id)).toEqual([
      'M-0001',
      'M-0002',
      'M-0003',
      'M-0004',
      'M-0005',
    ]);
    expect(plan.notes[0]).toMatch(/first 5 of the 7/);
  });

  it('refuses a question longer than 2,000 characters', () => {
    expect(() => parseQuestion('risk '.repeat(500))).toThrow(PfmError);
  });
});
