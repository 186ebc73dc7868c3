import { describe, expect, it } from 'vitest';
import { formatElapsed, formatInstant, formatNumber, renderTable } from '../../../app/cli/format.js';

describe('renderTable', () => {
  it('gives every number of a column one format: counts, fractions to 3 decimals, measures to 1', () => {
    const table = renderTable(
      ['machine', 'risk', 'peak', 'alarms', 'torque Nm', 'rpm'],
      [
        ['M-0006', 0.513, 1, 1, 50.7, 1426],
        ['M-0047', 0.369, 0.71, 0, 44, 1521],
      ],
    );
    expect(table.split('\n')).toEqual([
      'machine   risk   peak  alarms  torque Nm    rpm',
      '-------  -----  -----  ------  ---------  -----',
      'M-0006   0.513  1.000       1       50.7  1,426',
      'M-0047   0.369  0.710       0       44.0  1,521',
    ]);
  });

  it('left-aligns text columns and renders an empty table as its header', () => {
    expect(renderTable(['a', 'b'], [])).toBe('a  b\n-  -');
    expect(renderTable(['name', 'n'], [['x', 1234567]])).toBe(
      'name          n\n----  ---------\nx     1,234,567',
    );
  });
});

describe('numbers in sentences', () => {
  it.each<[number, string]>([
    [19213, '19,213'],
    [0.8129, '0.813'],
    [1761.44, '1,761.4'],
  ])('formatNumber(%d) = %s', (n, text) => {
    expect(formatNumber(n)).toBe(text);
  });

  it.each<[number, string]>([
    [850, '850 ms'],
    [4_240, '4.2 s'],
    [185_000, '3 min 5 s'],
    [7_800_000, '2 h 10 min'],
  ])('formatElapsed(%d) = %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });

  it('writes instants in UTC to the minute', () => {
    expect(formatInstant(Date.UTC(2026, 0, 5, 12, 3, 59))).toBe('2026-01-05 12:03 UTC');
  });
});
