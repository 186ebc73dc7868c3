import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PREDICTION_SERIES, QUARANTINE_SERIES } from '../../../processors/sinks/constants.js';
import {
  escapeKey,
  escapeMeasurement,
  quoteString,
  restoreLineBreaks,
  tagValueProblem,
  toLine,
} from '../../../processors/sinks/lineProtocol.js';
import { predictionPoint, quarantinePoint } from '../../../processors/sinks/seriesPoints.js';
import { makePrediction } from '../../fixtures/predictions.js';

/** Reads a quoted string field back the way InfluxDB does: `\"` and `\\` are escapes, nothing else is. */
function unquote(text: string): string {
  expect(text.startsWith('"') && text.endsWith('"')).toBe(true);
  return text.slice(1, -1).replace(/\\(["\\])/g, '$1');
}

describe('line protocol', () => {
  it.each([
    ['M-0001', 'M-0001'],
    ['a b', 'a\\ b'],
    ['a,b=c', 'a\\,b\\=c'],
    ['quote"s', 'quote"s'],
  ])('escapes the tag value %j as %j', (value, escaped) => {
    expect(escapeKey(value)).toBe(escaped);
  });

  it('escapes measurement names (commas, spaces) and quotes strings (quotes, backslashes)', () => {
    expect(escapeMeasurement('my measurement,x=1')).toBe('my\\ measurement\\,x=1');
    expect(quoteString('say "hi" \\o/')).toBe('"say \\"hi\\" \\\\o/"');
  });

  it('string fields never carry a raw line break, and round-trip for any text without the two symbols', () => {
    const text = fc.string({ unit: 'binary' }).filter((t) => !/[\u2424\u240d]/.test(t));
    fc.assert(
      fc.property(text, (t) => {
        const quoted = quoteString(t);
        return !/[\n\r]/.test(quoted) && restoreLineBreaks(unquote(quoted)) === t;
      }),
    );
    expect(quoteString('a\r\nb')).toBe('"a\u240d\u2424b"');
  });

  it.each([
    ['', 'is empty'],
    ['a\nb', 'contains a line break'],
    ['a\rb', 'contains a line break'],
    ['ends\\', 'contains a backslash'],
    ['a\\,b', 'contains a backslash'],
    ['a\\b', 'contains a backslash'],
    ['a\tb', 'contains a control character'],
    ['Mä 1,=', undefined],
  ])('tag value %j: %s', (value, problem) => {
    expect(tagValueProblem(value)).toBe(problem);
  });

  it('writes a prediction as one line: sorted tags, typed fields, millisecond time', () => {
    const row = makePrediction(3, { deviceId: 'M 1', predictedModes: ['HDF', 'OSF'], failure: true });
    expect(toLine(predictionPoint(row), PREDICTION_SERIES)).toBe(
      'prediction,device_id=M\\ 1,quality_type=L ' +
        'p_twf=0.01,p_hdf=0.02,p_pwf=0.03,p_osf=0.04,p_rnf=0.001,p_any=0.05,failure=true,predicted_modes="HDF|OSF",' +
        'air_temperature_k=300,process_temperature_k=310,rotational_speed_rpm=1500,torque_nm=40,tool_wear_min=100,' +
        'model_name="pfm-failure-mlp",model_version="abc123def456",model_sequence=1i,firmware="fw-2.4.1",' +
        'reading_sequence=3i,reading_digest="00000000000000000000000000000003",event_id="shardId-000000000000:3" ' +
        '1705276803000',
    );
  });

  it('writes a quarantine point with bounded tags only; the event id is a field', () => {
    const row = {
      source: {
        eventId: 'shardId-000000000007:42',
        sequenceNumber: '42',
        partitionKey: 'p k',
        arrivalTime: 5,
      },
      receivedAt: 5,
      stage: 'decode' as const,
      code: 'BAD_MARKER',
      reason: 'bad "marker"',
      deviceId: null,
      raw: new Uint8Array([1]),
    };
    const line = toLine(
      quarantinePoint(row, { reasonMaxBytes: 100, rawBase64MaxChars: 100 }),
      QUARANTINE_SERIES,
      '5000001',
    );
    expect(line).toBe(
      'quarantine,code=BAD_MARKER,shard_id=shardId-000000000007,stage=decode event_id="shardId-000000000007:42",' +
        'sequence_number="42",partition_key="p k",reason="bad \\"marker\\"",raw_base64="AQ==",raw_bytes=1i,' +
        'raw_sha256="4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a",raw_truncated=false 5000001',
    );
  });
});
