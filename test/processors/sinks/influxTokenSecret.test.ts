import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInferenceConfig } from '../../../processors/config.js';
import { createSinks } from '../../../processors/sinks/createSinks.js';
import { fleetPredictions } from './rows.js';

// A loopback HTTP server that accepts every /write and /query and remembers the headers it saw.
const seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  seen.push(req.headers);
  req.resume();
  req.on('end', () => {
    // The sink's read before write (/query) gets an empty result; a write, 204.
    const query = (req.url ?? '').startsWith('/query');
    res.statusCode = query ? 200 : 204;
    res.end(query ? '{"results":[{"statement_id":0}]}' : undefined);
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const env = (extra: Record<string, string>) => ({
  PFM_SINK: 'influxdb',
  INFLUXDB_URL: url,
  INFLUXDB_DATABASE: 'pfm',
  ...extra,
});
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:pfm-influx-token-AbCdEf';

describe('InfluxDB token from Secrets Manager (INFLUXDB_TOKEN_SECRET_ARN, as the CDK stack sets it)', () => {
  it('reads the secret once at start-up and sends it as the token', async () => {
    const asked: string[] = [];
    const config = readInferenceConfig(env({ INFLUXDB_TOKEN_SECRET_ARN: SECRET_ARN }));
    const sinks = await createSinks(config, {
      readSecret: async (id) => {
        asked.push(id);
        return ' s3cr3t-token\n';
      },
    });
    await sinks.sink.writePredictions(fleetPredictions(3));
    await sinks.sink.writePredictions(fleetPredictions(2));
    await sinks.close();
    expect(asked).toEqual([SECRET_ARN]);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((h) => h.authorization === 'Token s3cr3t-token')).toBe(true);
  });

  it.each([
    ['an empty secret', async () => '  '],
    ['an unreadable secret', async () => Promise.reject(new Error('AccessDeniedException'))],
  ])('stops start-up on %s, naming the variable', async (_name, readSecret) => {
    const config = readInferenceConfig(env({ INFLUXDB_TOKEN_SECRET_ARN: SECRET_ARN }));
    await expect(createSinks(config, { readSecret })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/^INFLUXDB_TOKEN_SECRET_ARN: /),
    });
  });

  it('refuses a token and a token secret together', () => {
    expect(() =>
      readInferenceConfig(env({ INFLUXDB_TOKEN: 't', INFLUXDB_TOKEN_SECRET_ARN: SECRET_ARN })),
    ).toThrow(/INFLUXDB_TOKEN: set one of INFLUXDB_TOKEN, INFLUXDB_TOKEN_SECRET_ARN/);
  });
});
