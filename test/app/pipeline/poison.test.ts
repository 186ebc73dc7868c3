import { describe, expect, it } from 'vitest';
import { POISON_KINDS, type PoisonKind, poisonPlan, poisonRecord } from '../../../app/pipeline/poison.js';
import { validateReading } from '../../../processors/inference/validateReading.js';
import { decodeReading } from '../../../schemas/codec/readingCodec.js';
import { makeReading } from '../../fixtures/codec/readings.js';

const NOW = Date.UTC(2024, 0, 15, 9);

// Each kind must land in a different quarantine path, so a run that injects them exercises all of them.
const EXPECTED: Record<PoisonKind, string> = {
  truncated: 'TRUNCATED_BODY',
  'unknown-schema': 'UNKNOWN_FINGERPRINT',
  garbage: 'BAD_MARKER',
  'impossible-value': 'OUT_OF_RANGE',
  'non-finite': 'NON_FINITE',
};

describe('poison records', () => {
  it.each(POISON_KINDS)('%s is quarantined with its own code', (kind) => {
    const decoded = decodeReading(poisonRecord(makeReading(), kind));
    const code = decoded.ok ? validateReading(decoded.reading, NOW)?.code : decoded.code;
    expect(code).toBe(EXPECTED[kind]);
  });

  it('plans round(N * rate) bad records, cycling through every kind', () => {
    const plan = poisonPlan(0.01);
    const kinds = Array.from({ length: 1000 }, (_, i) => plan(i)).filter((k) => k !== undefined);
    expect(kinds).toHaveLength(10);
    expect(new Set(kinds)).toEqual(new Set(POISON_KINDS));
    expect(Array.from({ length: 100 }, (_, i) => poisonPlan(0)(i)).every((k) => k === undefined)).toBe(true);
    expect(() => poisonPlan(1.5)).toThrow(/\[0, 1\]/);
  });
});
