import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../stream/simulator/duration.js';

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['250ms', 250],
    ['30s', 30_000],
    ['7.5m', 450_000],
    ['48h', 172_800_000],
    ['2d', 172_800_000],
    [' 10m ', 600_000],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', '-5m', '5 m', '1w', 'm', '+5m'])('refuses "%s"', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [172_800_000, '48h'],
    [3 * 86_400_000, '3d'],
    [450_000, '7.5m'],
    [90 * 60_000, '1.5h'],
    [30_000, '30s'],
    [250, '250ms'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
