import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import { DEVICE_SAMPLE_CAP } from '../../../processors/drift/constants.js';
import type { WindowState } from '../../../processors/drift/types.js';
import {
  addToWindow,
  decodeWindow,
  emptyWindow,
  encodeWindow,
  encodeWindowWithinLimit,
  mergeWindows,
  momentsOf,
  type WindowInput,
} from '../../../processors/drift/window.js';
import { integerReference } from './fixtures.js';

const reference = integerReference(3);

// Integer readings (and NaN now and then for the missing counter), integer times, a few devices and types;
// sensor values from a handful, so that runs of identical readings are common.
const inputArb: fc.Arbitrary<WindowInput> = fc.record({
  deviceId: fc.constantFrom(...Array.from({ length: 40 }, (_, i) => `M-${String(i).padStart(4, '0')}`)),
  timestamp: fc.integer({ min: 0, max: 1_000_000 }),
  qualityType: fc.constantFrom('L', 'M', 'H'),
  values: fc.array(
    fc.oneof(
      { weight: 20, arbitrary: fc.integer({ min: -50, max: 150 }) },
      { weight: 1, arbitrary: fc.constant(Number.NaN) },
    ),
    {
      minLength: 3,
      maxLength: 3,
    },
  ),
  sensors: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 5, maxLength: 5 }),
});
const batchArb = fc.array(inputArb, { maxLength: 60 });

function windowOf(inputs: readonly WindowInput[]): WindowState {
  const w = emptyWindow();
  for (const input of inputs) addToWindow(w, reference, input);
  return w;
}

describe('window statistics', () => {
  it('merging the windows of two batches gives exactly the window of both batches together', () => {
    fc.assert(
      fc.property(batchArb, batchArb, (a, b) => {
        expect(mergeWindows(windowOf(a), windowOf(b))).toEqual(windowOf([...a, ...b]));
      }),
    );
  });

  it('merge is associative (partials can be merged in any grouping, in time order)', () => {
    fc.assert(
      fc.property(batchArb, batchArb, batchArb, (a, b, c) => {
        const [x, y, z] = [windowOf(a), windowOf(b), windowOf(c)];
        expect(mergeWindows(mergeWindows(x, y), z)).toEqual(mergeWindows(x, mergeWindows(y, z)));
      }),
    );
  });

  it('merge is commutative for windows of different devices (two shards of the same period)', () => {
    const otherShard = (inputs: WindowInput[]) => inputs.map((i) => ({ ...i, deviceId: `X-${i.deviceId}` }));
    fc.assert(
      fc.property(batchArb, batchArb, (a, b) => {
        const [x, y] = [windowOf(a), windowOf(otherShard(b))];
        expect(mergeWindows(x, y)).toEqual(mergeWindows(y, x));
      }),
    );
  });

  it('the empty window is the identity of merge', () => {
    fc.assert(
      fc.property(batchArb, (a) => {
        expect(mergeWindows(emptyWindow(), windowOf(a))).toEqual(windowOf(a));
      }),
    );
  });

  it('the compact encoding round-trips exactly', () => {
    fc.assert(
      fc.property(batchArb, (a) => {
        const w = windowOf(a);
        expect(decodeWindow(encodeWindow(w))).toEqual(w);
      }),
    );
  });

  it('floating-point data merge to the same moments as one pass, to rounding', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 2, maxLength: 200 }),
        fc.nat(200),
        (xs, cut) => {
          const inputs = xs.map(
            (x): WindowInput => ({
              deviceId: 'M-1',
              timestamp: 0,
              qualityType: 'L',
              values: [x, x, x],
              sensors: [x, x, x, x, x],
            }),
          );
          const k = Math.min(cut, inputs.length);
          const merged = mergeWindows(windowOf(inputs.slice(0, k)), windowOf(inputs.slice(k)));
          const whole = windowOf(inputs);
          const m1 = momentsOf(merged.scopes.fleet?.features[0] as never, 50);
          const m2 = momentsOf(whole.scopes.fleet?.features[0] as never, 50);
          expect(m1.mean).toBeCloseTo(m2.mean, 9);
          expect(m1.variance).toBeCloseTo(m2.variance, 7);
        },
      ),
    );
  });

  it('counts missing and out-of-range values and bins by "edges strictly below"', () => {
    const w = windowOf([
      {
        deviceId: 'a',
        timestamp: 5,
        qualityType: 'L',
        values: [10, Number.NaN, -1],
        sensors: [0, 0, 0, 0, 0],
      },
      { deviceId: 'b', timestamp: 2, qualityType: 'H', values: [10.5, 101, 100], sensors: [0, 0, 0, 0, 0] },
    ]);
    const fleet = w.scopes.fleet;
    expect(fleet?.records).toBe(2);
    expect(fleet?.devices).toEqual(['a', 'b']);
    expect(fleet?.features[0]?.bins).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(fleet?.features[1]).toMatchObject({ n: 1, missing: 1, above: 1 });
    expect(fleet?.features[2]).toMatchObject({ n: 2, below: 1, above: 0 });
    expect(w.scopes['quality:L']?.records).toBe(1);
    expect(w.scopes['quality:M']).toBeUndefined();
    expect([w.firstReadingAt, w.lastReadingAt]).toEqual([2, 5]);
  });

  it('keeps the smallest DEVICE_SAMPLE_CAP device ids, whatever the arrival order', () => {
    const ids = Array.from({ length: DEVICE_SAMPLE_CAP + 10 }, (_, i) => `D${String(i).padStart(3, '0')}`);
    const input = (id: string): WindowInput => ({
      deviceId: id,
      timestamp: 0,
      qualityType: 'M',
      values: [1, 1, 1],
      sensors: [1, 1, 1, 1, 1],
    });
    const forward = windowOf(ids.map(input));
    const backward = windowOf([...ids].reverse().map(input));
    expect(forward.scopes.fleet?.devices).toEqual(ids.slice(0, DEVICE_SAMPLE_CAP));
    expect(backward.scopes.fleet?.devices).toEqual(forward.scopes.fleet?.devices);
  });

  it('refuses a state over the size limit and malformed state', () => {
    const w = windowOf([
      { deviceId: 'a', timestamp: 0, qualityType: 'L', values: [1, 2, 3], sensors: [1, 2, 3, 4, 5] },
    ]);
    expect(() => encodeWindowWithinLimit(w, 100)).toThrow(PfmError);
    expect(() => encodeWindowWithinLimit(w, 100)).toThrow(/over the 100-byte limit/);
    expect(encodeWindowWithinLimit(w).length).toBeLessThan(2000);
    for (const bad of [
      '{',
      '[2,null,null,0,0,{}]',
      '[1,null,null,0,0,{}]',
      '[2,null,null,0,0,{"nowhere":[0,[],[]]},{}]',
      '[2,null,null,0,0,{},{"M-1":[1,2,3]}]',
    ]) {
      expect(() => decodeWindow(bad)).toThrow(PfmError);
    }
  });
});
