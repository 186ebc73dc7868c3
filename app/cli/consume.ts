import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKinesisClient } from '../../stream/kinesis/client.js';
import { EventSourceRunner } from '../../stream/runner/EventSourceRunner.js';
import { FileCheckpointStore } from '../../stream/runner/FileCheckpointStore.js';
import { FileDeadLetter } from '../../stream/runner/FileDeadLetter.js';
import { STARTING_POSITIONS, type StartingPosition } from '../../stream/runner/types.js';
import { openInferenceStack } from '../pipeline/inferenceStack.js';
import { resolveDataDir } from './dataDir.js';
import { formatNumber } from './format.js';
import { positiveInt } from './query.js';

const HELP = `pfm consume — the inference processor on an existing Kinesis stream (kinesis-local, LocalStack or AWS)

Options:
  --stream NAME            the stream to read (required)
  --endpoint URL           Kinesis endpoint (default: the SDK's, e.g. AWS_ENDPOINT_URL_KINESIS)
  --data DIR               store, checkpoints and dead letters (default ./pfm-data or PFM_DATA_DIR); kept across runs
  --batch-size N           records per invocation (default 1000)
  --window-ms N            batching window (default 100)
  --max-retries N          redeliveries before a batch is dead-lettered (default 3)
  --starting-position P    TRIM_HORIZON (default) or LATEST, used when a shard has no checkpoint
  --until-idle MS          stop once the stream has been read to its end and quiet for MS (default: run until Ctrl-C)`;

/** `pfm consume`: resumes from the checkpoints in the data directory; Ctrl-C stops cleanly and saves them. */
export async function consumeCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stream: { type: 'string' },
      endpoint: { type: 'string' },
      data: { type: 'string' },
      'batch-size': { type: 'string', default: '1000' },
      'window-ms': { type: 'string', default: '100' },
      'max-retries': { type: 'string', default: '3' },
      'starting-position': { type: 'string', default: 'TRIM_HORIZON' },
      'until-idle': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.stream) throw new Error('--stream is required');
  const position = values['starting-position'] as StartingPosition;
  if (!STARTING_POSITIONS.includes(position)) {
    throw new Error(`--starting-position must be one of ${STARTING_POSITIONS.join(', ')}, got "${position}"`);
  }
  const dataDir = resolveDataDir(values.data);
  const counts = { scored: 0, quarantined: 0, deadLettered: 0 };
  const stack = await openInferenceStack({
    dataDir,
    onOutcome: (o) => {
      counts.scored += o.predictions.length;
      counts.quarantined += o.quarantined.length;
    },
  });
  const client = createKinesisClient(values.endpoint ? { endpoint: values.endpoint } : {});
  let fatal: unknown;
  const runner = new EventSourceRunner({
    client,
    streamName: values.stream,
    handler: stack.handler,
    batchSize: positiveInt(values['batch-size'], '--batch-size'),
    batchingWindowMs: Number(values['window-ms']),
    maxRetryAttempts: Number(values['max-retries']),
    pollIntervalMs: 200,
    startingPosition: position,
    checkpointStore: new FileCheckpointStore(join(dataDir, 'checkpoints.json')),
    deadLetter: new FileDeadLetter(join(dataDir, 'dead-letter.jsonl')),
    onBatch: (b) => {
      counts.deadLettered += b.deadLettered;
    },
    onError: (err) => {
      fatal = err;
    },
  });
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const ticker = setInterval(() => {
    console.error(
      `consume ${values.stream}: scored ${formatNumber(counts.scored)} | quarantined ${formatNumber(counts.quarantined)}` +
        ` | dead-lettered ${formatNumber(counts.deadLettered)}`,
    );
  }, 1000);
  try {
    await runner.start();
    if (values['until-idle'] !== undefined) {
      const quietMs = positiveInt(values['until-idle'], '--until-idle');
      await Promise.race([runner.waitForIdle({ quietMs, timeoutMs: 10 * 60_000 }), stopped]);
    } else {
      await stopped;
    }
    if (fatal) throw fatal;
  } finally {
    clearInterval(ticker);
    await runner.stop();
    const store = await stack.store.fleetQueries.counts();
    await stack.close();
    client.destroy();
    console.log(
      `pfm consume: this run scored ${formatNumber(counts.scored)}, quarantined ${formatNumber(counts.quarantined)},` +
        ` dead-lettered ${formatNumber(counts.deadLettered)}; the store holds ${formatNumber(store.predictions)} predictions` +
        ` and ${formatNumber(store.quarantined)} quarantined records; checkpoints saved in ${join(dataDir, 'checkpoints.json')}`,
    );
  }
  return 0;
}
