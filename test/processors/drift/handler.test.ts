import { describe, expect, it } from 'vitest';
import { poisonRecord } from '../../../app/pipeline/poison.js';
import { decodeBatch } from '../../../processors/drift/handler.js';
import { decodeReading, encodeReading } from '../../../schemas/codec/readingCodec.js';
import { makeReading } from '../../fixtures/codec/readings.js';
import { kinesisEvent } from '../../fixtures/kinesis/events.js';

describe('drift decodeBatch', () => {
  it('keeps plausible readings and skips, counting them, the records inference would quarantine', () => {
    const reading = makeReading();
    const payloads = [
      encodeReading(reading),
      poisonRecord(reading, 'impossible-value'),
      poisonRecord(reading, 'non-finite'),
      poisonRecord(reading, 'garbage'),
      encodeReading({ ...reading, sequenceNumber: 2 }),
    ];
    const [batch] = decodeBatch(kinesisEvent(payloads).Records, decodeReading);
    expect(batch?.undecodable).toBe(3);
    expect(batch?.records.map((r) => r.reading?.sequenceNumber)).toEqual([
      1,
      undefined,
      undefined,
      undefined,
      2,
    ]);
  });
});
