import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretTokenCredentials } from '../../../processors/sinks/InfluxCredentials.js';
import { InfluxQlClient } from '../../../processors/store/InfluxQlClient.js';
import { closeServer, listenOnLoopback, readBody } from '../../helpers/httpStandIn.js';

// A loopback /query that accepts only the current token, as InfluxDB 2.x's 1.x-compatible /query does (401
// {"code":"unauthorized"} for a revoked token), and answers every statement with one empty series.
let valid = 'new';
const forms: URLSearchParams[] = [];
const auths: string[] = [];
let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer(async (req, res) => {
    const form = new URLSearchParams(await readBody(req));
    forms.push(form);
    auths.push(String(req.headers.authorization));
    if (req.headers.authorization !== `Token ${valid}`) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"code":"unauthorized","message":"unauthorized access"}');
      return;
    }
    const statements = (form.get('q') ?? '').split(';\n');
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        results: statements.map((_, i) => ({
          statement_id: i,
          series: [{ name: 'm', tags: { device_id: `d${i}` }, columns: ['time', 'n'], values: [[1000, i]] }],
        })),
      }),
    );
  });
  url = await listenOnLoopback(server);
});
afterAll(() => closeServer(server));

describe('InfluxQlClient', () => {
  it('sends the statements in one request with the values as bound params, rows carrying their tags', async () => {
    valid = 'new';
    const client = new InfluxQlClient({
      url,
      database: 'predictions',
      credentials: await secretTokenCredentials('arn', async () => 'new'),
    });
    const rows = await client.rows(['SELECT a FROM m WHERE x = $x', 'SELECT b FROM m'], { x: "it's" });
    expect(rows).toEqual([[{ device_id: 'd0', time: 1000, n: 0 }], [{ device_id: 'd1', time: 1000, n: 1 }]]);
    const form = forms.at(-1);
    expect(form?.get('db')).toBe('predictions');
    expect(form?.get('epoch')).toBe('ms');
    expect(JSON.parse(form?.get('params') ?? '{}')).toEqual({ x: "it's" });
    expect(form?.get('q')).not.toContain("it's");
  });

  it('reads a rotated token again after a 401 and retries once', async () => {
    valid = 'old';
    let stored = 'old';
    const client = new InfluxQlClient({
      url,
      database: 'predictions',
      credentials: await secretTokenCredentials('arn', async () => stored),
    });
    await client.rows(['SELECT a FROM m']);
    stored = 'rotated';
    valid = 'rotated';
    auths.length = 0;
    await client.rows(['SELECT a FROM m']);
    expect(auths).toEqual(['Token old', 'Token rotated']);
  });

  it('fails clearly when the token is refused and the secret holds nothing newer', async () => {
    valid = 'other';
    const client = new InfluxQlClient({
      url,
      database: 'predictions',
      credentials: await secretTokenCredentials('arn', async () => 'stale'),
    });
    await expect(client.rows(['SELECT a FROM m'])).rejects.toMatchObject({
      code: 'STORE_QUERY_FAILED',
      retryable: false,
      message: expect.stringMatching(/HTTP 401 .*INFLUXDB_TOKEN_SECRET_ARN/),
    });
  });

  it('says a server that cannot be reached may answer later', async () => {
    const client = new InfluxQlClient({ url: 'http://127.0.0.1:9', database: 'p', timeoutMs: 2_000 });
    await expect(client.rows(['SELECT a FROM m'])).rejects.toMatchObject({
      code: 'STORE_QUERY_FAILED',
      retryable: true,
    });
  });
});
