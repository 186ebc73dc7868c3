import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInferenceConfig } from '../../../processors/config.js';
import { createSinks } from '../../../processors/sinks/createSinks.js';
import { closeServer, listenOnLoopback } from '../../helpers/httpStandIn.js';
import { fleetPredictions } from './rows.js';

// A loopback /write that accepts only the token currently in `valid`, as InfluxDB 2.x answers a revoked or
// unknown token: 401 {"code":"unauthorized","message":"unauthorized access"} (InfluxDB v2 API, /api/v2/write and
// the 1.x-compatible /write share the same token check).
let valid = 'token-1';
const seen: string[] = [];
let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    const auth = String(req.headers.authorization ?? '');
    const path = new URL(String(req.url), 'http://x').pathname;
    seen.push(`${path} ${auth}`);
    req.resume();
    req.on('end', () => {
      // The sink reads before it writes (identity policy): /query answers an empty result, /write 204.
      if (auth === `Token ${valid}` && path === '/query')
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[{"statement_id":0}]}');
      else if (auth === `Token ${valid}`) res.writeHead(204).end();
      else
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ code: 'unauthorized', message: 'unauthorized access' }));
    });
  });
  url = await listenOnLoopback(server);
});
afterAll(() => closeServer(server));

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:pfm-influx-token-AbCdEf';
const config = () =>
  readInferenceConfig({
    PFM_SINK: 'influxdb',
    INFLUXDB_URL: url,
    INFLUXDB_DATABASE: 'pfm',
    INFLUXDB_TOKEN_SECRET_ARN: SECRET_ARN,
  });

describe('a token from Secrets Manager that is rotated while the function is warm', () => {
  it('is read again, bypassing the cache, after a 401, and the write goes through with the new token', async () => {
    valid = 'token-1';
    let stored = 'token-1';
    const reads: { fresh: boolean }[] = [];
    const sinks = await createSinks(config(), {
      readSecret: async (_id, options) => {
        reads.push({ fresh: options?.fresh ?? false });
        return stored;
      },
    });
    await sinks.sink.writePredictions(fleetPredictions(3));
    // The token custom resource (or a rotation) replaces the token and revokes the old one.
    stored = 'token-2';
    valid = 'token-2';
    seen.length = 0;
    const { rejected } = await sinks.sink.writePredictions(fleetPredictions(3));
    expect(rejected).toEqual([]);
    expect(seen).toEqual(['/query Token token-1', '/query Token token-2', '/write Token token-2']);
    expect(reads).toEqual([{ fresh: false }, { fresh: true }]);
    // Later writes keep the new token without reading again.
    seen.length = 0;
    await sinks.sink.writePredictions(fleetPredictions(2));
    expect(seen).toEqual(['/query Token token-2', '/write Token token-2']);
    expect(reads).toHaveLength(2);
  });

  it('fails the write as not retryable when the secret still holds the refused token', async () => {
    valid = 'token-3';
    let reads = 0;
    const sinks = await createSinks(config(), {
      readSecret: async () => {
        reads++;
        return 'token-2';
      },
    });
    seen.length = 0;
    await expect(sinks.sink.writePredictions(fleetPredictions(2))).rejects.toMatchObject({
      code: 'SINK_REJECTED',
      retryable: false,
      message: expect.stringMatching(/HTTP 401 unauthorized access/),
    });
    // One request (the read before the write), one fresh read that found nothing new, no second request.
    expect(seen).toEqual(['/query Token token-2']);
    expect(reads).toBe(2);
  });

  it('surfaces the refusal when the secret cannot be read again', async () => {
    valid = 'token-4';
    let reads = 0;
    const sinks = await createSinks(config(), {
      readSecret: async () => {
        reads++;
        if (reads > 1) throw new Error('ThrottlingException');
        return 'token-2';
      },
    });
    await expect(sinks.sink.writePredictions(fleetPredictions(1))).rejects.toMatchObject({
      code: 'SINK_REJECTED',
    });
  });

  it('never re-reads a token given in configuration', async () => {
    valid = 'other';
    const sinks = await createSinks(
      readInferenceConfig({
        PFM_SINK: 'influxdb',
        INFLUXDB_URL: url,
        INFLUXDB_DATABASE: 'pfm',
        INFLUXDB_TOKEN: 'fixed',
      }),
      {
        readSecret: async () => {
          throw new Error('must not be called');
        },
      },
    );
    seen.length = 0;
    await expect(sinks.sink.writePredictions(fleetPredictions(1))).rejects.toMatchObject({
      code: 'SINK_REJECTED',
    });
    // Refused on the read before the write; a configured token is never read again, so nothing follows.
    expect(seen).toEqual(['/query Token fixed']);
  });
});
