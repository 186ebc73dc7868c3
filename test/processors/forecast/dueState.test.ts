import { describe, expect, it } from 'vitest';
import { type DueMemory, nextDueState } from '../../../processors/forecast/dueState.js';

const rule = { level: 0.5, releaseLevel: 0.25 };

/** Runs the rule over (probability, wear) pairs; returns the due flags and the notifications. */
function run(steps: [number, number][]): { due: boolean[]; notified: number[] } {
  let memory: DueMemory | undefined;
  const due: boolean[] = [];
  const notified: number[] = [];
  steps.forEach(([p, wear], i) => {
    const next = nextDueState(memory, p, wear, rule);
    memory = next.memory;
    due.push(next.memory.due);
    if (next.notify) notified.push(i);
  });
  return { due, notified };
}

describe('due rule', () => {
  it('becomes due at the level and stays due until the release level (no flicker)', () => {
    const r = run([
      [0.3, 100],
      [0.55, 110],
      [0.45, 120],
      [0.3, 130],
      [0.2, 140],
      [0.45, 150],
      [0.6, 160],
    ]);
    expect(r.due).toEqual([false, true, true, true, false, false, true]);
    // Once per machine and tool: the second due spell of the same tool sends nothing.
    expect(r.notified).toEqual([1]);
  });

  it('a new tool (wear fell back) clears the state and may notify again', () => {
    const r = run([
      [0.8, 200],
      [0.9, 210],
      [0.7, 4],
      [0.1, 10],
      [0.6, 200],
    ]);
    expect(r.due).toEqual([true, true, true, false, true]);
    expect(r.notified).toEqual([0, 2]);
  });
});
