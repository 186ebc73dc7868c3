import { describe, expect, it } from 'vitest';
import { explicitTarget } from '../../kernel/sdkClient.js';

describe('explicitTarget', () => {
  const credentials = { accessKeyId: 'id', secretAccessKey: 'secret' };

  it.each([
    ['nothing', {}, {}],
    ['the region only', { region: 'eu-west-1' }, { region: 'eu-west-1' }],
    ['undefined values left out', { endpoint: undefined, region: undefined, credentials: undefined }, {}],
    [
      'everything',
      { endpoint: 'http://127.0.0.1:4566', region: 'us-east-1', credentials },
      { endpoint: 'http://127.0.0.1:4566', region: 'us-east-1', credentials },
    ],
  ])('keeps %s', (_, options, expected) => {
    const target = explicitTarget(options);
    expect(target).toStrictEqual(expected);
    expect(Object.keys(target)).toEqual(Object.keys(expected));
  });
});
