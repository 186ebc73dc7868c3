import { writeFileSync } from 'node:fs';
import { encodeReading } from '../../schemas/codec/readingCodec.js';
import { createKinesisClient, ensureStream } from '../../stream/kinesis/client.js';
import { KinesisWriter } from '../../stream/kinesis/KinesisWriter.js';
import { toAi4iCsv } from '../../stream/simulator/csv.js';
import { parseDriftSpec } from '../../stream/simulator/driftSpec.js';
import { createSimulator } from '../../stream/simulator/Simulator.js';
import { poisonPlan, poisonRecord } from '../pipeline/poison.js';
import { planReadingTime } from '../pipeline/readingTime.js';
import { fraction, integer, intervalRange, parseCommandArgs, positiveInt } from './args.js';
import { formatInstant, formatNumber } from './format.js';

const HELP = `pfm simulate — simulated machine readings to a CSV file or a Kinesis stream

The readings end now: the last one is stamped with the current time, the first --records readings earlier
at the fleet's intervals (each machine its own, as in "pfm run").

Options:
  --records N        readings to produce (default 10000)
  --machines N       fleet size (default 50)
  --seed N           seed (default 42)
  --interval A-B     each machine reads every A to B, its own interval (default 5m-10m; one value for all)
  --drift SPEC       sensor drift, repeatable (see pfm run --help)
  --out FILE         write a CSV in the AI4I column layout, with the simulated labels
  --stream NAME      or write Avro single-object records to this Kinesis stream (created if missing)
  --shards N         shards when the stream is created (default 2)
  --endpoint URL     Kinesis endpoint (default: the SDK's, e.g. AWS_ENDPOINT_URL_KINESIS)
  --poison RATE      fraction of deliberately bad records on the stream, 0 to 1 (default 0)
  --help             this help`;

/** `pfm simulate`: the simulator on its own, for scoring files or feeding a stream another process consumes. */
export async function simulateCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('simulate', argv, {
    records: { type: 'string', default: '10000' },
    machines: { type: 'string', default: '50' },
    seed: { type: 'string', default: '42' },
    interval: { type: 'string', default: '5m-10m' },
    drift: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
    stream: { type: 'string' },
    shards: { type: 'string', default: '2' },
    endpoint: { type: 'string' },
    poison: { type: 'string', default: '0' },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.out === !values.stream) throw new Error('give exactly one of --out FILE or --stream NAME');
  const records = positiveInt(values.records, '--records');
  const interval = intervalRange(values.interval, '--interval');
  const shards = positiveInt(values.shards, '--shards');
  const poisonRate = fraction(values.poison, '--poison');
  const fleet = {
    machines: positiveInt(values.machines, '--machines'),
    seed: integer(values.seed, '--seed'),
    intervalMs: interval.minMs,
    maxIntervalMs: interval.maxMs,
  };
  const plan = planReadingTime(fleet, { now: Date.now(), records });
  const run = { start: plan.start, end: plan.end ?? plan.start };
  const simulator = createSimulator({
    ...fleet,
    startTime: plan.start,
    drift: (values.drift ?? []).map((spec) => parseDriftSpec(spec, run)),
  });
  const readings = simulator.take(records);
  const span = `reading time ${formatInstant(run.start)} to ${formatInstant(run.end)}`;
  if (values.out) {
    writeFileSync(values.out, toAi4iCsv(readings));
    console.log(`pfm simulate: ${formatNumber(records)} readings written to ${values.out} (${span})`);
    return 0;
  }
  const client = createKinesisClient(values.endpoint ? { endpoint: values.endpoint } : {});
  try {
    const streamName = values.stream as string;
    await ensureStream(client, streamName, shards);
    const poison = poisonPlan(poisonRate);
    const entries = readings.map(({ reading }, i) => {
      const kind = poison(i);
      return {
        data: kind ? poisonRecord(reading, kind) : encodeReading(reading),
        partitionKey: reading.deviceId,
      };
    });
    const result = await new KinesisWriter({ client, streamName, concurrency: 2 }).write(entries);
    console.log(
      `pfm simulate: ${formatNumber(result.written)} of ${formatNumber(records)} records written to ${streamName}` +
        ` in ${formatNumber(result.attempts)} PutRecords call(s); ${formatNumber(result.failed.length)} failed (${span})`,
    );
    return result.failed.length === 0 ? 0 : 1;
  } finally {
    client.destroy();
  }
}
