import { describe, expect, it } from 'vitest';
import { decide } from '../../model/decision.js';

const ARTIFACTS = {
  classes: ['TWF', 'HDF', 'PWF', 'OSF', 'RNF', 'ANY'],
  thresholds: [0.7, 0.5, 0.5, 0.5, 1, 0.9],
};

const CASES: {
  name: string;
  probs: number[];
  predictedModes: string[];
  failure: boolean;
}[] = [
  {
    name: 'nothing over its threshold',
    probs: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    predictedModes: [],
    failure: false,
  },
  { name: 'one mode and ANY', probs: [0, 0.99, 0, 0, 0, 0.95], predictedModes: ['HDF'], failure: true },
  {
    name: 'several modes, in class order',
    probs: [0.8, 0, 0.6, 0.9, 0, 0.99],
    predictedModes: ['TWF', 'PWF', 'OSF'],
    failure: true,
  },
  { name: 'a mode without ANY', probs: [0.75, 0, 0, 0, 0, 0.5], predictedModes: ['TWF'], failure: false },
  {
    name: 'exactly at the threshold is not over it',
    probs: [0.7, 0.5, 0, 0, 0, 0.9],
    predictedModes: [],
    failure: false,
  },
  { name: 'threshold 1.0 never fires', probs: [0, 0, 0, 0, 1, 0], predictedModes: [], failure: false },
];

describe('decide', () => {
  it.each(CASES)('$name', ({ probs, predictedModes, failure }) => {
    // The row of interest is the second of two, to check the offset.
    const matrix = Float32Array.from([...new Array(6).fill(0.99), ...probs]);
    const d = decide(matrix, 1, ARTIFACTS);
    expect(d.predictedModes).toEqual(predictedModes);
    expect(d.failure).toBe(failure);
    expect(d.anyFailureProbability).toBeCloseTo(probs[5] as number, 6);
  });

  it('follows the class order of the artifacts, wherever ANY sits', () => {
    const d = decide(Float32Array.from([0.95, 0.6, 0.1]), 0, {
      classes: ['ANY', 'OSF', 'HDF'],
      thresholds: [0.9, 0.5, 0.5],
    });
    expect(d).toEqual({
      predictedModes: ['OSF'],
      anyFailureProbability: expect.closeTo(0.95, 6),
      failure: true,
    });
  });

  it('rejects rows outside the matrix and class lists without ANY', () => {
    expect(() => decide(new Float32Array(6), 1, ARTIFACTS)).toThrow(RangeError);
    expect(() => decide(new Float32Array(2), 0, { classes: ['HDF', 'OSF'], thresholds: [0.5, 0.5] })).toThrow(
      /ANY/,
    );
  });
});
