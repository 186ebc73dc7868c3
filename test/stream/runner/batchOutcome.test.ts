import { describe, expect, it } from 'vitest';
import { evaluateBatchResponse } from '../../../stream/runner/batchOutcome.js';

const seqs = ['100', '200', '300', '400'];

describe('evaluateBatchResponse (ReportBatchItemFailures)', () => {
  it.each([
    { name: 'void', response: undefined, expected: { kind: 'succeeded' } },
    { name: 'null', response: null, expected: { kind: 'succeeded' } },
    { name: 'empty object', response: {}, expected: { kind: 'succeeded' } },
    { name: 'null list', response: { batchItemFailures: null }, expected: { kind: 'succeeded' } },
    { name: 'empty list', response: { batchItemFailures: [] }, expected: { kind: 'succeeded' } },
    {
      name: 'one failure',
      response: { batchItemFailures: [{ itemIdentifier: '300' }] },
      expected: { kind: 'itemFailures', fromIndex: 2 },
    },
    {
      name: 'lowest of several, in any order',
      response: { batchItemFailures: [{ itemIdentifier: '400' }, { itemIdentifier: '200' }] },
      expected: { kind: 'itemFailures', fromIndex: 1 },
    },
    {
      name: 'first record',
      response: { batchItemFailures: [{ itemIdentifier: '100' }] },
      expected: { kind: 'itemFailures', fromIndex: 0 },
    },
  ])('$name', ({ response, expected }) => {
    expect(evaluateBatchResponse(seqs, response)).toEqual(expected);
  });

  it.each([
    { name: 'unknown identifier', response: { batchItemFailures: [{ itemIdentifier: '250' }] } },
    { name: 'empty identifier', response: { batchItemFailures: [{ itemIdentifier: '' }] } },
    { name: 'null identifier', response: { batchItemFailures: [{ itemIdentifier: null }] } },
    { name: 'wrong key name', response: { batchItemFailures: [{ id: '200' }] } },
    { name: 'valid and invalid mixed', response: { batchItemFailures: [{ itemIdentifier: '200' }, {}] } },
    { name: 'not a list', response: { batchItemFailures: '200' } },
  ])('whole batch fails: $name', ({ response }) => {
    expect(evaluateBatchResponse(seqs, response)).toMatchObject({ kind: 'failed' });
  });
});
