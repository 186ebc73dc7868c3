import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { SINK_DEFAULTS } from '../processors/sinks/constants.js';
import { TimestreamSink } from '../processors/sinks/TimestreamSink.js';
import { TimestreamStandIn } from '../test/helpers/timestreamStandIn.js';
import { fleetPredictions, standInClient } from '../test/processors/sinks/rows.js';

const RECORDS = 10_000;
const LATENCY_MS = 20;
const DATABASE = 'pfm';
const STAND_IN_ROLE = 'timestream-stand-in';

interface StandInStats {
  stored: number;
  calls: number;
  maxInFlight: number;
}
type Request = 'reset' | 'stats' | 'stop';

/**
 * The stand-in runs in a worker thread: in the benchmark's own thread its request parsing would compete with the
 * sink for the CPU, which the real service does not.
 */
class StandInWorker {
  private constructor(
    private readonly worker: Worker,
    readonly endpoint: string,
  ) {}

  static async start(latencyMs: number): Promise<StandInWorker> {
    const url = new URL(import.meta.url);
    const data = { workerData: { role: STAND_IN_ROLE, latencyMs } };
    // tsx's loader does not reach worker threads: a worker running this .ts file registers it first.
    const worker = url.pathname.endsWith('.ts')
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
            `.then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`,
          { ...data, eval: true },
        )
      : new Worker(url, data);
    const { endpoint } = await new Promise<{ endpoint: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    return new StandInWorker(worker, endpoint);
  }

  async reset(): Promise<void> {
    await this.ask('reset');
  }

  async stats(): Promise<StandInStats> {
    return (await this.ask('stats')) as StandInStats;
  }

  async stop(): Promise<void> {
    await this.ask('stop');
    await this.worker.terminate();
  }

  // One request at a time: the answer is the worker's next message.
  private ask(request: Request): Promise<unknown> {
    return new Promise((resolve) => {
      this.worker.once('message', resolve);
      this.worker.postMessage(request);
    });
  }
}

async function serveStandIn(latencyMs: number): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const standIn = await TimestreamStandIn.start({ latencyMs });
  port.on('message', async (request: Request) => {
    if (request === 'reset') standIn.reset();
    if (request === 'stop') await standIn.stop();
    port.postMessage(
      request === 'stats'
        ? {
            stored: standIn.records(DATABASE, 'predictions').length,
            calls: standIn.writeCalls.length,
            maxInFlight: standIn.maxInFlight,
          }
        : undefined,
    );
  });
  port.postMessage({ endpoint: standIn.endpoint });
}

/** One timed write of RECORDS predictions at the given concurrency; checks every record landed, in 100 calls. */
async function timedWrite(
  standIn: StandInWorker,
  concurrency: number,
): Promise<{ ms: number; stats: StandInStats }> {
  const client = standInClient(standIn.endpoint);
  try {
    const sink = new TimestreamSink({ client, database: DATABASE, concurrency });
    await sink.writePredictions(fleetPredictions(400, { seed: concurrency + 100 })); // warm the sockets and the JIT
    await standIn.reset();
    const rows = fleetPredictions(RECORDS, { seed: concurrency });
    const started = performance.now();
    const { rejected } = await sink.writePredictions(rows);
    const ms = performance.now() - started;
    const stats = await standIn.stats();
    if (rejected.length > 0 || stats.stored !== RECORDS || stats.calls !== RECORDS / 100) {
      throw new Error(
        `bench run is wrong: ${stats.stored} stored, ${rejected.length} rejected, ${stats.calls} calls`,
      );
    }
    return { ms, stats };
  } finally {
    client.destroy();
  }
}

/**
 * TimestreamSink against the stand-in with 20 ms added to every WriteRecords call: 10,000 predictions (100 calls)
 * at the default concurrency and at concurrency 1, in one run.
 */
export async function benchSinks(): Promise<void> {
  const standIn = await StandInWorker.start(LATENCY_MS);
  try {
    console.log(
      `TimestreamSink -> stand-in (worker thread): ${RECORDS.toLocaleString('en-US')} predictions, 100 calls, ` +
        `${LATENCY_MS} ms added per call`,
    );
    const results: number[] = [];
    for (const concurrency of [SINK_DEFAULTS.concurrency, 1]) {
      const { ms, stats } = await timedWrite(standIn, concurrency);
      results.push(ms);
      const perSecond = Math.round(RECORDS / (ms / 1000)).toLocaleString('en-US');
      console.log(
        `  concurrency ${concurrency}: ${(ms / 1000).toFixed(2)} s, ${perSecond} records/s (max in flight ${stats.maxInFlight})`,
      );
    }
    const [fast, slow] = results as [number, number];
    console.log(`  concurrency ${SINK_DEFAULTS.concurrency} is ${(slow / fast).toFixed(2)}x concurrency 1`);
  } finally {
    await standIn.stop();
  }
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === STAND_IN_ROLE) {
  await serveStandIn((workerData as { latencyMs: number }).latencyMs);
} else if (
  isMainThread &&
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  await benchSinks();
}
