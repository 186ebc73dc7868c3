import { describe, expect, it } from 'vitest';
import { drawToolLife } from '../../../processors/forecast/toolLife.js';

describe('drawToolLife', () => {
  const lives = [200, 210, 220, 230];
  it('draws between the lives seen above the current wear', () => {
    expect(drawToolLife(lives, 0, 2, 0)).toBe(200);
    expect(drawToolLife(lives, 0, 2, 0.999999)).toBeCloseTo(230, 3);
    expect(drawToolLife(lives, 0, 2, 0.5)).toBe(215);
    expect(drawToolLife(lives, 215, 2, 0)).toBe(220);
  });
  it('replaces a tool past every life seen after one more reading, and never without lives seen', () => {
    expect(drawToolLife(lives, 235, 2, 0.3)).toBe(237);
    expect(drawToolLife(lives, 225, 2, 0.3)).toBe(230);
    expect(drawToolLife([], 100, 2, 0.3)).toBe(Number.POSITIVE_INFINITY);
  });
});
