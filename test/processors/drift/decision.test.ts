import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type DriftPolicy } from '../../../processors/drift/constants.js';
import { initialScopeDecision, stepScope, type WindowVerdict } from '../../../processors/drift/decision.js';
import type { DriftState, ScopeDecision, Severity } from '../../../processors/drift/types.js';

const policy: DriftPolicy = {
  ...DEFAULT_POLICY,
  m: 2,
  n: 3,
  k: 3,
  cooldownWindows: 10,
  retrainAfterWindows: 3,
};
const STATE: Record<string, DriftState> = { O: 'OK', W: 'WARN', D: 'DRIFT' };

/**
 * Runs a sequence of window verdicts through the state machine. Verdicts: C clean, B breach, S sequential
 * (CUSUM) alarm, H breach of high severity. Returns the states (O/W/D) and the events as "index:type:rule".
 */
function run(
  verdicts: string,
  options: { fleet?: boolean; policy?: DriftPolicy } = {},
): { states: string; events: string[] } {
  let d: ScopeDecision = initialScopeDecision(1);
  let states = '';
  const events: string[] = [];
  [...verdicts].forEach((v, i) => {
    const severity: Severity = v === 'H' ? 'high' : 'medium';
    const verdict: WindowVerdict = { breach: v === 'B' || v === 'H', sequentialAlarm: v === 'S', severity };
    const { next, transitions } = stepScope(d, verdict, d.cusum, options.policy ?? policy, {
      seq: i + 1,
      recommendsRetraining: options.fleet ?? true,
    });
    d = next;
    states += Object.keys(STATE).find((k) => STATE[k] === next.state);
    for (const t of transitions) events.push(`${i}:${t.detailType}:${t.rule}`);
  });
  return { states, events };
}

describe('hysteresis and cooldown', () => {
  it.each([
    // verdicts, states, events
    ['CCCC', 'OOOO', []],
    ['BCCC', 'WWWO', []],
    ['BCCB', 'WWWW', []],
    ['BB', 'WD', ['1:FeatureDriftDetected:m-of-n']],
    ['BCB', 'WWD', ['2:FeatureDriftDetected:m-of-n']],
    ['S', 'D', ['0:FeatureDriftDetected:cusum']],
    ['BBCCC', 'WDDDO', ['1:FeatureDriftDetected:m-of-n', '4:DriftResolved:k-clean']],
    // A breach inside the K clean windows restarts the count.
    ['BBCCBCCC', 'WDDDDDDO', ['1:FeatureDriftDetected:m-of-n', '7:DriftResolved:k-clean']],
    // After resolving, the old breaches do not count: one new breach is a WARN, not a DRIFT.
    ['BBCCCB', 'WDDDOW', ['1:FeatureDriftDetected:m-of-n', '4:DriftResolved:k-clean']],
  ])('%s -> %s (non-fleet scope)', (verdicts, states, events) => {
    expect(run(verdicts, { fleet: false })).toEqual({ states, events });
  });

  it('a shift that persists is one event, however long it lasts', () => {
    const { events } = run(`BB${'B'.repeat(100)}`, { fleet: false });
    expect(events).toEqual(['1:FeatureDriftDetected:m-of-n']);
  });

  it('a flapping shift inside the cooldown is announced once; a re-onset after the cooldown is announced again', () => {
    // Detected at 1, resolved at 4, drifts again at 6 (inside the 10-window cooldown): held back,
    // resolves at 9 without an event; drifts again at 11, 10 windows after the first event: announced.
    const { states, events } = run('BBCCCBBCCCBBB', { fleet: false });
    expect(states).toBe('WDDDOWDDDOWDD');
    expect(events).toEqual([
      '1:FeatureDriftDetected:m-of-n',
      '4:DriftResolved:k-clean',
      '11:FeatureDriftDetected:m-of-n',
    ]);
  });

  it('an onset held back by the cooldown is announced when the cooldown ends if the drift is still on', () => {
    // Detected at 1, resolved at 4, drifts again at 6 and stays: announced at 11 (10 windows after 1).
    const { events } = run(`BBCCCB${'B'.repeat(10)}`, { fleet: false });
    expect(events).toEqual([
      '1:FeatureDriftDetected:m-of-n',
      '4:DriftResolved:k-clean',
      '11:FeatureDriftDetected:cooldown-elapsed',
    ]);
  });

  it('recommends retraining once per fleet episode that persists, or at once when severe', () => {
    expect(run('BBBBBB').events).toEqual([
      '1:FeatureDriftDetected:m-of-n',
      '3:ModelRetrainingRecommended:persistence',
    ]);
    expect(run('BH').events).toEqual([
      '1:FeatureDriftDetected:m-of-n',
      '1:ModelRetrainingRecommended:severity',
    ]);
    // The episode is clearing up by its third window: no retraining for it.
    expect(run('BBCCC').events).toEqual(['1:FeatureDriftDetected:m-of-n', '4:DriftResolved:k-clean']);
    expect(run('BBCBB').events).toEqual([
      '1:FeatureDriftDetected:m-of-n',
      '3:ModelRetrainingRecommended:persistence',
    ]);
    expect(run('BBBBBB', { fleet: false }).events).toEqual(['1:FeatureDriftDetected:m-of-n']);
  });

  it('resets the episode when a drift resolves: with K < N the breaches that opened it do not reopen it', () => {
    // N = 5 > K = 2: when the episode resolves after 2 clean windows, the 2 breaches that opened it are still
    // among the last 5 windows. Without the reset, the next clean window would count them and (M = 2) drift again.
    const short: DriftPolicy = { ...policy, m: 2, n: 5, k: 2 };
    expect(run('BBCCC', { fleet: false, policy: short })).toEqual({
      states: 'WDDOO',
      events: ['1:FeatureDriftDetected:m-of-n', '3:DriftResolved:k-clean'],
    });
    // One new breach after the reset is a WARN (1 of the last 5), not a DRIFT on the old episode's breaches.
    expect(run('BBCCB', { fleet: false, policy: short }).states).toBe('WDDOW');

    // The memory the resolving window leaves: no episode, no remembered breaches, no clean streak.
    let d: ScopeDecision = initialScopeDecision(1);
    for (const [i, breach] of [true, true, false, false].entries()) {
      d = stepScope(d, { breach, sequentialAlarm: false, severity: 'medium' }, d.cusum, short, {
        seq: i + 1,
        recommendsRetraining: false,
      }).next;
    }
    expect(d).toMatchObject({ state: 'OK', episode: null, recent: [], cleanStreak: 0, windowsInState: 1 });
  });

  it('follows M, N and K from the policy', () => {
    const strict: DriftPolicy = { ...policy, m: 3, n: 4, k: 1 };
    expect(run('BBCB', { fleet: false, policy: strict })).toEqual({
      states: 'WWWD',
      events: ['3:FeatureDriftDetected:m-of-n'],
    });
    expect(run('BBBC', { fleet: false, policy: strict }).events).toEqual([
      '2:FeatureDriftDetected:m-of-n',
      '3:DriftResolved:k-clean',
    ]);
  });
});
