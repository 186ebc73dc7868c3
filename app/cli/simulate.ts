import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeReading } from '../../schemas/codec/readingCodec.js';
import { createKinesisClient, ensureStream } from '../../stream/kinesis/client.js';
import { KinesisWriter } from '../../stream/kinesis/KinesisWriter.js';
import { toAi4iCsv } from '../../stream/simulator/csv.js';
import { parseDriftSpec } from '../../stream/simulator/driftSpec.js';
import { createSimulator } from '../../stream/simulator/Simulator.js';
import { poisonPlan, poisonRecord } from '../pipeline/poison.js';
import { formatNumber } from './format.js';
import { positiveInt } from './query.js';

const HELP = `pfm simulate — simulated machine readings to a CSV file or a Kinesis stream

Options:
  --records N        readings to produce (default 10000)
  --machines N       fleet size (default 50)
  --seed N           seed (default 42)
  --interval-ms N    simulated ms between two readings of one machine (default 1000)
  --drift SPEC       sensor drift, repeatable (see pfm run --help)
  --out FILE         write a CSV in the AI4I column layout, with the simulated labels
  --stream NAME      or write Avro single-object records to this Kinesis stream (created if missing)
  --shards N         shards when the stream is created (default 2)
  --endpoint URL     Kinesis endpoint (default: the SDK's, e.g. AWS_ENDPOINT_URL_KINESIS)
  --poison RATE      fraction of deliberately bad records on the stream (default 0)`;

/** `pfm simulate`: the simulator on its own, for scoring files or feeding a stream another process consumes. */
export async function simulateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: 'string', default: '10000' },
      machines: { type: 'string', default: '50' },
      seed: { type: 'string', default: '42' },
      'interval-ms': { type: 'string', default: '1000' },
      drift: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      stream: { type: 'string' },
      shards: { type: 'string', default: '2' },
      endpoint: { type: 'string' },
      poison: { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.out === !values.stream) throw new Error('give exactly one of --out FILE or --stream NAME');
  const records = positiveInt(values.records, '--records');
  const startTime = Date.now();
  const simulator = createSimulator({
    machines: positiveInt(values.machines, '--machines'),
    seed: Number(values.seed),
    startTime,
    intervalMs: positiveInt(values['interval-ms'], '--interval-ms'),
    drift: (values.drift ?? []).map((spec) => parseDriftSpec(spec, startTime)),
  });
  const readings = simulator.take(records);
  if (values.out) {
    writeFileSync(values.out, toAi4iCsv(readings));
    console.log(`pfm simulate: ${formatNumber(records)} readings written to ${values.out}`);
    return 0;
  }
  const client = createKinesisClient(values.endpoint ? { endpoint: values.endpoint } : {});
  try {
    const streamName = values.stream as string;
    await ensureStream(client, streamName, positiveInt(values.shards, '--shards'));
    const poison = poisonPlan(Number(values.poison));
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
        ` in ${result.attempts} PutRecords call(s); ${result.failed.length} failed`,
    );
    return result.failed.length === 0 ? 0 : 1;
  } finally {
    client.destroy();
  }
}
