import { describe, expect, it, vi } from 'vitest';
import { createObservability, instrument } from '../../kernel/observability.js';

describe('instrument (Powertools logger, metrics and tracer around a Lambda handler)', () => {
  it('returns the handler result and flushes the invocation metrics', async () => {
    const obs = createObservability('pfm-test');
    const flush = vi.spyOn(obs.metrics, 'publishStoredMetrics').mockImplementation(() => obs.metrics);
    const handler = instrument(obs, async (a: number, b: number) => a + b);
    await expect(handler(2, 3)).resolves.toBe(5);
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it('records a failure as trace metadata, rethrows it, and still flushes the metrics', async () => {
    const obs = createObservability('pfm-test');
    const flush = vi.spyOn(obs.metrics, 'publishStoredMetrics').mockImplementation(() => obs.metrics);
    const recorded = vi.spyOn(obs.tracer, 'addErrorAsMetadata');
    const handler = instrument(obs, async () => {
      throw new Error('sink down');
    });
    await expect(handler()).rejects.toThrow('sink down');
    expect(recorded).toHaveBeenCalledWith(expect.objectContaining({ message: 'sink down' }));
    expect(flush).toHaveBeenCalledTimes(1);
  });
});
