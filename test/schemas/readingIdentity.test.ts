import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeReading, encodeReading } from '../../schemas/codec/readingCodec.js';
import type { SensorReading } from '../../schemas/reading.js';
import { identityKey, READING_DIGEST_HEX_LENGTH, readingDigest } from '../../schemas/readingIdentity.js';
import { makeReading } from '../fixtures/codec/readings.js';

function decoded(bytes: Uint8Array): SensorReading {
  const result = decodeReading(bytes);
  if (!result.ok) throw new Error(result.reason);
  return result.reading;
}

describe('reading identity and digest', () => {
  it('the digest is 128 bits of hex and ignores the schema version the producer wrote', () => {
    const reading = makeReading();
    const digest = readingDigest(reading);
    expect(digest).toMatch(new RegExp(`^[0-9a-f]{${READING_DIGEST_HEX_LENGTH}}$`));
    expect(readingDigest(decoded(encodeReading(reading, 1)))).toBe(digest);
    expect(readingDigest(decoded(encodeReading({ ...reading, vibrationRmsMmS: null }, 2)))).toBe(digest);
  });

  it.each<[string, Partial<SensorReading>]>([
    ['the sequence number', { sequenceNumber: 2 }],
    ['the firmware', { firmware: '1.4.3' }],
    ['the quality type', { qualityType: 'H' }],
    ['one temperature by one ulp', { airTemperatureK: 300.00000000000006 }],
    ['the torque sign of zero', { torqueNm: -0 }],
    ['a vibration value', { vibrationRmsMmS: 2.5 }],
  ])('changes with %s, the identity does not', (_, change) => {
    const a = makeReading({ torqueNm: 0 });
    const b = { ...a, ...change };
    expect(identityKey(b)).toBe(identityKey(a));
    expect(readingDigest(b)).not.toBe(readingDigest(a));
  });

  it('equal readings have equal digests, different readings different ones (property, 500 pairs)', () => {
    const reading = fc.record({
      deviceId: fc.constantFrom('M-0001', 'M-0002'),
      timestamp: fc.constantFrom(1_700_000_000_000, 1_700_000_001_000),
      sequenceNumber: fc.nat(5),
      firmware: fc.constantFrom('1.0', '2.0'),
      qualityType: fc.constantFrom('L' as const, 'M' as const, 'H' as const),
      airTemperatureK: fc.constantFrom(300, 301),
      processTemperatureK: fc.constant(310),
      rotationalSpeedRpm: fc.constantFrom(1500, 1501),
      torqueNm: fc.constant(40),
      toolWearMin: fc.constant(100),
      vibrationRmsMmS: fc.constantFrom(null, 1.5),
    });
    fc.assert(
      fc.property(reading, reading, (a, b) => {
        const same = JSON.stringify(a) === JSON.stringify(b);
        expect(readingDigest(a) === readingDigest(b)).toBe(same);
      }),
      { numRuns: 500, seed: 13 },
    );
  });
});
