import { createServer, request } from 'node:http';
import { closeServer, listenOnLoopback, readBody } from './httpStandIn.js';

/**
 * A loopback proxy in front of a Kinesis endpoint (kinesis-local) that throttles GetRecords the way Kinesis does, and
 * passes every other call through untouched. kinesis-local enforces no read limits, so this is the test aid that makes
 * the runner meet ProvisionedThroughputExceededException from a real HTTP exchange with the unmodified SDK client.
 *
 * Rules, from https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html:
 * - "Each shard can support up to five read transactions per second": a shard's sixth GetRecords within one second
 *   is refused.
 * - The refusal is ProvisionedThroughputExceededException, HTTP 400, in the JSON 1.1 error shape (`__type`, `message`)
 *   (https://docs.aws.amazon.com/kinesis/latest/APIReference/CommonErrors.html describes the shared shape).
 * - Besides that limit, `burstUntil` refuses every GetRecords until then: a stream whose read budget is used up by
 *   other consumers.
 */
export interface ThrottlingKinesisProxy {
  readonly endpoint: string;
  /** GetRecords calls refused so far. */
  readonly throttled: number;
  /** GetRecords calls passed through so far. */
  readonly passed: number;
  /** Refuses every GetRecords until this epoch ms. */
  burstUntil: number;
  close(): Promise<void>;
}

const READS_PER_SHARD_PER_SECOND = 5;
const TARGET_PREFIX = 'Kinesis_20131202.';

/** Starts the proxy on 127.0.0.1, forwarding to `upstream` (an http:// endpoint on loopback). */
export async function startThrottlingKinesisProxy(upstream: string): Promise<ThrottlingKinesisProxy> {
  const target = new URL(upstream);
  if (target.hostname !== '127.0.0.1')
    throw new Error(`the proxy forwards to loopback only, not ${upstream}`);
  // Iterators are opaque (kinesis-local encrypts them): which shard one reads is learnt from the GetShardIterator call
  // that made it, and carried over to each NextShardIterator.
  const shardOfIterator = new Map<string, string>();
  const readsByShard = new Map<string, number[]>();
  const state = { throttled: 0, passed: 0, burstUntil: 0 };

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const action = String(req.headers['x-amz-target'] ?? '').replace(TARGET_PREFIX, '');
    const input = parseJson(body);
    let shard: string | undefined;
    if (action === 'GetShardIterator') shard = String(input.ShardId ?? '');
    if (action === 'GetRecords') {
      const iterator = String(input.ShardIterator ?? '');
      shard = shardOfIterator.get(iterator) ?? 'unknown';
      const now = Date.now();
      const recent = (readsByShard.get(shard) ?? []).filter((t) => now - t < 1_000);
      readsByShard.set(shard, recent);
      if (now < state.burstUntil || recent.length >= READS_PER_SHARD_PER_SECOND) {
        state.throttled++;
        const message = `Rate exceeded for shard ${shard} in stream under account 000000000000.`;
        res.writeHead(400, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-errortype': 'ProvisionedThroughputExceededException',
          'x-amzn-requestid': `throttled-${state.throttled}`,
        });
        res.end(JSON.stringify({ __type: 'ProvisionedThroughputExceededException', message }));
        return;
      }
      recent.push(now);
      state.passed++;
    }
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      async (upstreamRes) => {
        const answer = await readBody(upstreamRes);
        if (shard !== undefined && upstreamRes.statusCode === 200) {
          const out = parseJson(answer);
          const next = out.ShardIterator ?? out.NextShardIterator;
          if (typeof next === 'string') shardOfIterator.set(next, shard);
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        res.end(answer);
      },
    );
    forward.on('error', () => {
      // The engine went away mid-call: the client sees its connection reset, as it would without the proxy.
      req.socket.destroy();
    });
    forward.end(body);
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    get throttled() {
      return state.throttled;
    },
    get passed() {
      return state.passed;
    },
    get burstUntil() {
      return state.burstUntil;
    },
    set burstUntil(until: number) {
      state.burstUntil = until;
    },
    close: () => closeServer(server),
  };
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
