import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkByLimits } from '../../kernel/chunkByLimits.js';

const limits = { maxItems: 4, maxBytes: 10 };

describe('chunkByLimits', () => {
  it.each([
    ['nothing', [], []],
    ['one group', [1, 2, 3], [[1, 2, 3]]],
    ['cut by count', [1, 1, 1, 1, 1], [[1, 1, 1, 1], [1]]],
    [
      'cut by bytes',
      [6, 4, 1, 9],
      [
        [6, 4],
        [1, 9],
      ],
    ],
    ['an item as large as a call', [10, 10], [[10], [10]]],
  ])('%s', (_, sizes, expected) => {
    expect(chunkByLimits(sizes, limits, (size) => size)).toEqual(expected);
  });

  it('keeps order, stays within the limits and starts a new group only when the next item does not fit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 60 }), (sizes) => {
        const chunks = chunkByLimits(sizes, limits, (size) => size);
        expect(chunks.flat()).toEqual(sizes);
        const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        chunks.forEach((chunk, i) => {
          expect(chunk.length).toBeGreaterThan(0);
          expect(chunk.length).toBeLessThanOrEqual(limits.maxItems);
          expect(sum(chunk)).toBeLessThanOrEqual(limits.maxBytes);
          const next = chunks[i + 1]?.[0];
          if (next !== undefined) {
            expect(chunk.length === limits.maxItems || sum(chunk) + next > limits.maxBytes).toBe(true);
          }
        });
      }),
    );
  });

  it('lets sizeOf refuse an item, with its index, before returning anything', () => {
    const seen: number[] = [];
    expect(() =>
      chunkByLimits(['a', 'bb', 'too large'], limits, (item, index) => {
        seen.push(index);
        if (item.length > 5) throw new RangeError(`item ${index} too large`);
        return item.length;
      }),
    ).toThrow('item 2 too large');
    expect(seen).toEqual([0, 1, 2]);
  });
});
