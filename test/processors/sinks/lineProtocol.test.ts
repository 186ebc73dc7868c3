import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PREDICTION_SERIES } from '../../../processors/sinks/constants.js';
import {
  escapeKey,
  escapeMeasurement,
  quoteString,
  tagValueProblem,
  toLine,
} from '../../../processors/sinks/lineProtocol.js';
import { predictionPoint } from '../../../processors/sinks/seriesPoints.js';
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

  it('string fields round-trip for any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => unquote(quoteString(text)) === text));
  });

  it.each([
    ['', 'is empty'],
    ['a\nb', 'contains a line break'],
    ['a\rb', 'contains a line break'],
    ['ends\\', 'has a backslash before a comma, equals sign, space or the end'],
    ['a\\,b', 'has a backslash before a comma, equals sign, space or the end'],
    ['a\\b', undefined],
    ['Mä 1,=', undefined],
  ])('tag value %j: %s', (value, problem) => {
    expect(tagValueProblem(value)).toBe(problem);
  });

  it('writes a prediction as one line: sorted tags, typed fields, millisecond time', () => {
    const row = makePrediction(3, { deviceId: 'M 1', predictedModes: ['HDF', 'OSF'], failure: true });
    expect(toLine(predictionPoint(row), PREDICTION_SERIES)).toBe(
      'prediction,device_id=M\\ 1,firmware=fw-2.4.1,model_name=pfm-failure-mlp,quality_type=L ' +
        'p_twf=0.01,p_hdf=0.02,p_pwf=0.03,p_osf=0.04,p_rnf=0.001,p_any=0.05,failure=true,predicted_modes="HDF|OSF",' +
        'air_temperature_k=300,process_temperature_k=310,rotational_speed_rpm=1500,torque_nm=40,tool_wear_min=100,' +
        'model_version="abc123def456",reading_sequence=3i,event_id="shardId-000000000000:3" 1705276803000',
    );
  });
});
