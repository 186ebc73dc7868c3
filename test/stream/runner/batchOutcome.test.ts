import { describe, expect, it } from 'vitest';
import { type BatchOutcome, evaluateBatchResponse } from '../../../stream/runner/batchOutcome.js';

// ReportBatchItemFailures as Lambda documents it for Kinesis:
// https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
// Every expected value below is written out by hand.

const seqs = ['100', '200', '300', '400'];
const failures = (...ids: unknown[]) => ({
  batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })),
});

/** Every order of `items` (n! of them); the test only reorders, it never computes an expected value. */
function orders<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('evaluateBatchResponse: the lowest failed record, whatever order failures are reported in', () => {
  // Each of the 15 non-empty sets of failed records of a 4-record batch, with the index of its lowest record.
  const LOWEST: ReadonlyArray<{ failed: string[]; fromIndex: number }> = [
    { failed: ['100'], fromIndex: 0 },
    { failed: ['200'], fromIndex: 1 },
    { failed: ['300'], fromIndex: 2 },
    { failed: ['400'], fromIndex: 3 },
    { failed: ['100', '200'], fromIndex: 0 },
    { failed: ['100', '300'], fromIndex: 0 },
    { failed: ['100', '400'], fromIndex: 0 },
    { failed: ['200', '300'], fromIndex: 1 },
    { failed: ['200', '400'], fromIndex: 1 },
    { failed: ['300', '400'], fromIndex: 2 },
    { failed: ['100', '200', '300'], fromIndex: 0 },
    { failed: ['100', '200', '400'], fromIndex: 0 },
    { failed: ['100', '300', '400'], fromIndex: 0 },
    { failed: ['200', '300', '400'], fromIndex: 1 },
    { failed: ['100', '200', '300', '400'], fromIndex: 0 },
  ];
  const cases = LOWEST.flatMap(({ failed, fromIndex }) =>
    orders(failed).map((order) => ({ order: order.join(','), ids: order, fromIndex })),
  );

  it('tries every order of every set: 4 + 12 + 24 + 24 = 64 cases', () => {
    expect(cases).toHaveLength(64);
    expect(new Set(cases.map((c) => c.order)).size).toBe(64);
  });

  it.each(cases)('failures reported as [$order] redeliver from index $fromIndex', ({ ids, fromIndex }) => {
    expect(evaluateBatchResponse(seqs, failures(...ids))).toEqual({ kind: 'itemFailures', fromIndex });
  });

  it.each([
    { name: 'one record twice', ids: ['300', '300'], fromIndex: 2 },
    { name: 'a duplicate around a lower failure', ids: ['400', '200', '400'], fromIndex: 1 },
    { name: 'the lowest named last, after duplicates', ids: ['200', '200', '300', '100'], fromIndex: 0 },
    {
      name: 'every record twice, scrambled',
      ids: ['300', '100', '400', '200', '200', '400', '100', '300'],
      fromIndex: 0,
    },
  ])('duplicates: $name -> index $fromIndex', ({ ids, fromIndex }) => {
    expect(evaluateBatchResponse(seqs, failures(...ids))).toEqual({ kind: 'itemFailures', fromIndex });
  });

  it.each([
    // As text, '101' < '99'; the lowest is the earliest record of the batch.
    {
      name: 'more digits later in the shard',
      batch: ['98', '99', '100', '101'],
      ids: ['101', '99'],
      fromIndex: 1,
    },
    {
      name: 'more digits, reported low first',
      batch: ['98', '99', '100', '101'],
      ids: ['100', '101'],
      fromIndex: 2,
    },
    // Real sequence numbers: 56 digits, equal as a Number.
    {
      name: '56-digit sequence numbers',
      batch: [
        '49590338271490256608559692538361571095921575989136588898',
        '49590338271490256608559692538361571095921575989136588899',
        '49590338271490256608559692538361571095921575989136588900',
      ],
      ids: [
        '49590338271490256608559692538361571095921575989136588900',
        '49590338271490256608559692538361571095921575989136588899',
      ],
      fromIndex: 1,
    },
  ])('compares positions, not text or numbers: $name -> index $fromIndex', ({ batch, ids, fromIndex }) => {
    expect(evaluateBatchResponse(batch, failures(...ids))).toEqual({ kind: 'itemFailures', fromIndex });
  });
});

describe('evaluateBatchResponse: complete success', () => {
  it.each([
    { name: 'no response', response: undefined },
    { name: 'a null response', response: null },
    { name: 'an empty response', response: {} },
    { name: 'a null list', response: { batchItemFailures: null } },
    { name: 'an empty list', response: { batchItemFailures: [] } },
  ])('$name', ({ response }) => {
    expect(evaluateBatchResponse(seqs, response)).toEqual({ kind: 'succeeded' });
  });

  it('an empty batch with no failures', () => {
    expect(evaluateBatchResponse([], { batchItemFailures: [] })).toEqual({ kind: 'succeeded' });
  });
});

describe('evaluateBatchResponse: the whole batch fails', () => {
  const notInBatch = (shown: string) =>
    `batchItemFailures names itemIdentifier ${shown}, which is not a sequence number of the batch`;

  it.each<{ name: string; batch?: string[]; response: unknown; expected: BatchOutcome }>([
    {
      name: 'an unknown identifier',
      response: failures('250'),
      expected: { kind: 'failed', reason: notInBatch('"250"') },
    },
    {
      name: 'an unknown identifier after a valid one',
      response: failures('200', '999'),
      expected: { kind: 'failed', reason: notInBatch('"999"') },
    },
    {
      name: 'an unknown identifier before a valid one',
      response: failures('999', '200'),
      expected: { kind: 'failed', reason: notInBatch('"999"') },
    },
    {
      name: 'a sequence number with a leading zero',
      response: failures('0200'),
      expected: { kind: 'failed', reason: notInBatch('"0200"') },
    },
    {
      name: 'a sequence number with a space',
      response: failures(' 200'),
      expected: { kind: 'failed', reason: notInBatch('" 200"') },
    },
    {
      name: 'a number, not a string',
      response: failures(200),
      expected: { kind: 'failed', reason: notInBatch('200') },
    },
    {
      name: 'a null identifier',
      response: failures(null),
      expected: { kind: 'failed', reason: notInBatch('null') },
    },
    {
      name: 'a bad key name',
      response: { batchItemFailures: [{ id: '200' }] },
      expected: { kind: 'failed', reason: notInBatch('undefined') },
    },
    {
      name: 'a valid identifier then an entry without one',
      response: { batchItemFailures: [{ itemIdentifier: '200' }, {}] },
      expected: { kind: 'failed', reason: notInBatch('undefined') },
    },
    {
      name: 'a null entry',
      response: { batchItemFailures: [null] },
      expected: { kind: 'failed', reason: notInBatch('undefined') },
    },
    {
      name: 'a bare sequence number as an entry',
      response: { batchItemFailures: ['200'] },
      expected: { kind: 'failed', reason: notInBatch('undefined') },
    },
    {
      name: 'an empty identifier',
      response: failures(''),
      expected: { kind: 'failed', reason: 'batchItemFailures names an empty itemIdentifier' },
    },
    {
      name: 'an empty identifier, although a record of the batch has no sequence number',
      batch: ['100', '', '300'],
      response: failures(''),
      expected: { kind: 'failed', reason: 'batchItemFailures names an empty itemIdentifier' },
    },
    {
      name: 'an empty identifier after a valid one',
      response: failures('300', ''),
      expected: { kind: 'failed', reason: 'batchItemFailures names an empty itemIdentifier' },
    },
    {
      name: 'any identifier of an empty batch',
      batch: [],
      response: failures('100'),
      expected: { kind: 'failed', reason: notInBatch('"100"') },
    },
    {
      name: 'a list that is a string',
      response: { batchItemFailures: '200' },
      expected: { kind: 'failed', reason: 'batchItemFailures in the handler response is not a list' },
    },
    {
      name: 'a list that is one entry',
      response: { batchItemFailures: { itemIdentifier: '200' } },
      expected: { kind: 'failed', reason: 'batchItemFailures in the handler response is not a list' },
    },
  ])('$name', ({ batch, response, expected }) => {
    expect(evaluateBatchResponse(batch ?? seqs, response)).toEqual(expected);
  });
});
