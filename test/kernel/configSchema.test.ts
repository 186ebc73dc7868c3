import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { nonEmptyText, parseConfig, wholeNumberText } from '../../kernel/configSchema.js';
import { readAgentConfig } from '../../processors/agent/config.js';
import { readDriftConfig } from '../../processors/drift/config.js';
import { timestreamName } from '../../processors/sinks/constants.js';

describe('configSchema', () => {
  const schema = z.object({
    NAME: nonEmptyText,
    COUNT: wholeNumberText(1, 10).optional(),
    TABLE: timestreamName.optional(),
  });

  it.each([
    ['an empty text', { NAME: '  ' }, /invalid settings: NAME: must not be empty/],
    ['a fraction', { NAME: 'a', COUNT: '2.5' }, /COUNT: must be a whole number/],
    ['a number out of range', { NAME: 'a', COUNT: '11' }, /COUNT: /],
    ['a bad Timestream name', { NAME: 'a', TABLE: 'x' }, /TABLE: must be 3-256 characters/],
    ['two problems at once', { COUNT: '0' }, /NAME: .*; COUNT: /],
    ['a problem with no path', 'not an object', /invalid settings: \(root\): /],
  ])('refuses %s with CONFIG_INVALID naming the setting', (_, input, message) => {
    expect(() => parseConfig(schema, input, 'settings')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(message) }),
    );
  });

  it('returns the parsed values, trimmed and converted', () => {
    expect(parseConfig(schema, { NAME: ' a ', COUNT: ' 7 ', TABLE: 'pfm.db' }, 'settings')).toEqual({
      NAME: 'a',
      COUNT: 7,
      TABLE: 'pfm.db',
    });
  });

  it('names the wrong variable in the drift and agent configurations', () => {
    expect(() => readDriftConfig({})).toThrow(/^invalid configuration: PFM_EVENT_BUS: /);
    expect(() => readDriftConfig({ PFM_EVENT_BUS: 'bus', PFM_DRIFT_WINDOW_MAX_SECONDS: '0' })).toThrow(
      /^invalid configuration: PFM_DRIFT_WINDOW_MAX_SECONDS: /,
    );
    expect(() => readAgentConfig({ PFM_SINK: 'timestream' })).toThrow(
      /^invalid agent configuration: TIMESTREAM_DATABASE: required when PFM_SINK=timestream$/,
    );
  });
});
