import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InfluxDbSink,
  type InfluxDbSinkOptions,
  retryAfterMs,
} from '../../../processors/sinks/InfluxDbSink.js';
import { fleetPredictions } from './rows.js';

/** What the hand-written HTTP server saw of one request. */
interface SeenRequest {
  url: URL;
  headers: IncomingMessage['headers'];
  lines: string[];
}

type Answer = { status: number; body?: string; headers?: Record<string, string> };

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/**
 * An HTTP server on 127.0.0.1 answering each /write with `answer(request, n)` (n counts from 1), and each /query
 * (the sink's read before write) with an empty result, or with `answerQuery` when given; `queries` keeps those.
 */
async function fakeInflux(
  answer: (req: SeenRequest, n: number) => Answer,
  answerQuery: (req: SeenRequest, n: number) => Answer = () => ({
    status: 200,
    body: '{"results":[{"statement_id":0}]}',
  }),
): Promise<{ url: string; seen: SeenRequest[]; queries: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const queries: SeenRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const request = {
      url: new URL(req.url ?? '/', 'http://127.0.0.1'),
      headers: req.headers,
      lines: Buffer.concat(chunks).toString('utf8').split('\n'),
    };
    if (request.url.pathname.endsWith('/query')) {
      queries.push(request);
      const q = answerQuery(request, queries.length);
      res.writeHead(q.status, { 'content-type': 'application/json', ...q.headers });
      res.end(q.body ?? '');
      return;
    }
    seen.push(request);
    const a = answer(request, seen.length);
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(a.body ?? '');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, queries };
}

function sink(url: string, options: Partial<InfluxDbSinkOptions> = {}): InfluxDbSink {
  return new InfluxDbSink({ url, database: 'pfm', sleep: async () => undefined, ...options });
}

const OK: Answer = { status: 204 };

describe('InfluxDbSink over HTTP', () => {
  it('posts line protocol to /write with db, rp, precision=ms, in batches of 5,000 lines by default', async () => {
    const server = await fakeInflux(() => OK);
    const rows = fleetPredictions(12_000);
    const { rejected } = await sink(server.url, { retentionPolicy: 'thirty days' }).writePredictions(rows);
    expect(rejected).toEqual([]);
    // Four requests may be in flight, so they arrive in any order.
    expect(server.seen.map((r) => r.lines.length).sort()).toEqual([2_000, 5_000, 5_000]);
    const first = server.seen[0] as SeenRequest;
    expect(first.url.pathname).toBe('/write');
    expect(Object.fromEntries(first.url.searchParams)).toEqual({
      db: 'pfm',
      rp: 'thirty days',
      precision: 'ms',
    });
    expect(first.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(first.headers.authorization).toBeUndefined();
    // One read before write per 100 devices of the batch, on the same database and retention policy.
    expect(server.queries).toHaveLength(1);
    expect(Object.fromEntries(server.queries[0]?.url.searchParams ?? [])).toEqual({
      db: 'pfm',
      rp: 'thirty days',
      epoch: 'ns',
    });
    const lines = server.seen.flatMap((r) => r.lines);
    expect(new Set(lines).size).toBe(12_000);
    expect(lines.find((l) => l.includes(`event_id="${rows[0]?.source.eventId}"`))).toMatch(
      /^prediction,device_id=M-0000,quality_type=L p_twf=\S+,p_hdf=/,
    );
  });

  it.each([
    [{ kind: 'token', token: 'sekret' } as const, 'Token sekret'],
    [
      { kind: 'password', username: 'ann', password: 'pw:1' } as const,
      `Basic ${Buffer.from('ann:pw:1').toString('base64')}`,
    ],
  ])('authenticates with %o', async (auth, header) => {
    const server = await fakeInflux(() => OK);
    await sink(`${server.url}/influx/`, { auth }).writePredictions(fleetPredictions(3));
    expect(server.seen[0]?.headers.authorization).toBe(header);
    expect(server.seen[0]?.url.pathname).toBe('/influx/write');
  });

  it('honours Retry-After on 429 and 503, then writes', async () => {
    const server = await fakeInflux((_, n) =>
      n === 1
        ? { status: 429, body: '{"error":"too many requests"}', headers: { 'retry-after': '2' } }
        : n === 2
          ? { status: 503, body: '{"error":"busy"}', headers: { 'retry-after': '1' } }
          : OK,
    );
    const waits: number[] = [];
    const s = sink(server.url, { sleep: async (ms) => void waits.push(ms) });
    expect((await s.writePredictions(fleetPredictions(10))).rejected).toEqual([]);
    expect(waits).toEqual([2_000, 1_000]);
    expect(server.seen).toHaveLength(3);
  });

  it('backs off with full jitter on 5xx and, attempts used up, throws a retryable SINK_UNAVAILABLE', async () => {
    const server = await fakeInflux(() => ({ status: 500, body: '{"error":"timeout"}' }));
    const waits: number[] = [];
    const s = sink(server.url, {
      retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
      random: () => 0.5,
      sleep: async (ms) => void waits.push(ms),
    });
    await expect(s.writePredictions(fleetPredictions(10))).rejects.toMatchObject({
      code: 'SINK_UNAVAILABLE',
      retryable: true,
    });
    expect(waits).toEqual([50, 100]);
    expect(server.seen).toHaveLength(3);
  });

  it('does not wait out a Retry-After longer than allowed: the batch is retried later instead', async () => {
    const server = await fakeInflux(() => ({ status: 429, body: '{}', headers: { 'retry-after': '120' } }));
    await expect(sink(server.url).writePredictions(fleetPredictions(10))).rejects.toMatchObject({
      code: 'SINK_UNAVAILABLE',
      retryable: true,
    });
    expect(server.seen).toHaveLength(1);
  });

  it.each([
    [401, '{"error":"authorization failed"}', /INFLUXDB_TOKEN/],
    [404, '{"error":"database not found: \\"pfm\\""}', /database not found/],
    [413, '{"error":"Request Entity Too Large"}', /INFLUXDB_BATCH_LINES/],
    [500, '{"error":"retention policy not found: weekly"}', /retention policy not found/],
    [400, '{"code":"invalid","message":"missing bucket"}', /missing bucket/],
  ])('HTTP %i is a non-retryable SINK_REJECTED, not retried', async (status, body, message) => {
    const server = await fakeInflux(() => ({ status, body }));
    const error = await sink(server.url)
      .writePredictions(fleetPredictions(10))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SINK_REJECTED', retryable: false });
    expect(String((error as Error).message)).toMatch(message);
    expect(server.seen).toHaveLength(1);
  });

  it('a server that cannot be reached is a retryable SINK_UNAVAILABLE', async () => {
    const server = await fakeInflux(() => OK);
    const url = server.url;
    await new Promise((resolve) => servers.pop()?.close(resolve));
    await expect(sink(url).writePredictions(fleetPredictions(3))).rejects.toMatchObject({
      code: 'SINK_UNAVAILABLE',
      retryable: true,
    });
  });

  it('narrows a partial write (InfluxDB 3 style) down to the refused lines and quarantines only those', async () => {
    const bad = (line: string) => line.includes('device_id=M-0013,');
    const server = await fakeInflux((req) =>
      req.lines.some(bad)
        ? {
            status: 400,
            body: JSON.stringify({ error: 'partial write of line protocol occurred', data: [] }),
          }
        : OK,
    );
    const rows = fleetPredictions(2_000);
    const { rejected } = await sink(server.url, { batchLines: 500 }).writePredictions(rows);
    const expected = rows.filter((r) => r.deviceId === 'M-0013').map((r) => r.source.eventId);
    expect(rejected.map((q) => q.source.eventId)).toEqual(expected);
    expect(
      rejected.every(
        (q) => q.code === 'INFLUXDB_REJECTED' && q.reason === 'partial write of line protocol occurred',
      ),
    ).toBe(true);
    // Every good line reached the server in a request it accepted.
    const accepted = new Set(server.seen.filter((r) => !r.lines.some(bad)).flatMap((r) => r.lines));
    expect(accepted.size).toBe(2_000 - expected.length);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3_000);
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
