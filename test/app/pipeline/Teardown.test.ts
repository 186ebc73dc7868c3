import { describe, expect, it } from 'vitest';
import { Teardown } from '../../../app/pipeline/Teardown.js';

describe('teardown', () => {
  it('closes the last opened first', async () => {
    const order: string[] = [];
    const t = new Teardown();
    t.defer(() => order.push('store'));
    t.defer(async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push('stream');
    });
    t.defer(() => order.push('consumer'));
    await t.run();
    expect(order).toEqual(['consumer', 'stream', 'store']);
  });

  it('runs every step even after one fails, then throws the first failure', async () => {
    const order: string[] = [];
    const first = new Error('store close failed');
    const t = new Teardown();
    t.defer(() => order.push('kinesis-local stopped'));
    t.defer(() => {
      throw new Error('client destroy failed');
    });
    t.defer(() => Promise.reject(first));
    await expect(t.run()).rejects.toBe(first);
    expect(order).toEqual(['kinesis-local stopped']);
  });

  it('runs each step once', async () => {
    let runs = 0;
    const t = new Teardown();
    t.defer(() => {
      runs++;
    });
    await t.run();
    await t.run();
    expect(runs).toBe(1);
  });
});
