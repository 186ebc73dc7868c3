import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKinesisClient, ensureStream } from '../../stream/kinesis/client.js';
import { kinesisLocalPersistDir } from '../../stream/kinesis/KinesisLocal.js';
import { SupervisedKinesisLocal } from '../../stream/kinesis/SupervisedKinesisLocal.js';
import { EventSourceRunner } from '../../stream/runner/EventSourceRunner.js';
import { FileCheckpointStore } from '../../stream/runner/FileCheckpointStore.js';
import { FileDeadLetter } from '../../stream/runner/FileDeadLetter.js';
import { STARTING_POSITIONS, type StartingPosition } from '../../stream/runner/types.js';
import { unreadRanges } from '../../stream/runner/unreadRanges.js';
import { DEFAULT_ENGINE_PATIENCE_MS, INFERENCE_EVENT_SOURCE } from '../pipeline/eventSourceSettings.js';
import { openInferenceStack } from '../pipeline/inferenceStack.js';
import { formatEngineEvent } from '../pipeline/openStream.js';
import { engineStatus, formatRunnerNotice, formatUnreadRanges } from '../pipeline/runnerNotices.js';
import { resolveDataDir } from './dataDir.js';
import { formatNumber } from './format.js';
import { positiveInt } from './query.js';

/** kinesis-local's own default plain (HTTP) port. */
const DEFAULT_KINESIS_LOCAL_PORT = 4568;

const HELP = `pfm consume — the inference processor on a Kinesis stream (kinesis-local, LocalStack or AWS), read as the
stack's event source mapping reads it: batches split on error, retried, and given up on into the dead letter

Options:
  --stream NAME            the stream to read (required)
  --endpoint URL           Kinesis endpoint (default: the SDK's, e.g. AWS_ENDPOINT_URL_KINESIS)
  --kinesis-local          start kinesis-local on 127.0.0.1 for this run instead, keeping its streams in
                           DATA/kinesis-local so that a restart loses nothing (delete that folder to clear them);
                           it is started again if it dies, and the stream is created if missing
  --kinesis-port N         the port of that kinesis-local (default ${DEFAULT_KINESIS_LOCAL_PORT}); write to it with
                           pfm simulate --endpoint http://127.0.0.1:N --stream NAME
  --shards N               shards of a stream --kinesis-local creates (default 2)
  --data DIR               store, checkpoints and dead letters (default ./pfm-data or PFM_DATA_DIR); kept across runs
  --batch-size N           records per invocation (default 1000)
  --window-ms N            batching window (default 100)
  --max-retries N          retries of a failing batch before its failing records are dead-lettered; -1 retries until
                           they are older than --max-record-age (default ${INFERENCE_EVENT_SOURCE.maxRetryAttempts}, as the stack)
  --max-record-age S       records older than S seconds are dead-lettered unread; -1 = no limit
                           (default ${INFERENCE_EVENT_SOURCE.maxRecordAgeSeconds}, as the stack)
  --starting-position P    TRIM_HORIZON (default) or LATEST, used when a shard has no checkpoint
  --engine-patience T      how long the Kinesis endpoint may stay unreachable before a clean stop, e.g. 90s, 5m
                           (default ${DEFAULT_ENGINE_PATIENCE_MS / 1000}s)
  --until-idle MS          stop once the stream has been read to its end and quiet for MS (default: run until Ctrl-C)`;

/**
 * `pfm consume`: resumes from the checkpoints in the data directory. Ctrl-C, --until-idle, a fatal error or an
 * endpoint unreachable for longer than the patience all end the same way: the runner stops, the store is closed and
 * the summary printed; after an error, each shard's unhandled records are named and the exit status is 1.
 */
export async function consumeCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stream: { type: 'string' },
      endpoint: { type: 'string' },
      'kinesis-local': { type: 'boolean', default: false },
      'kinesis-port': { type: 'string', default: String(DEFAULT_KINESIS_LOCAL_PORT) },
      shards: { type: 'string', default: '2' },
      data: { type: 'string' },
      'batch-size': { type: 'string', default: '1000' },
      'window-ms': { type: 'string', default: '100' },
      'max-retries': { type: 'string', default: String(INFERENCE_EVENT_SOURCE.maxRetryAttempts) },
      'max-record-age': { type: 'string', default: String(INFERENCE_EVENT_SOURCE.maxRecordAgeSeconds) },
      'starting-position': { type: 'string', default: 'TRIM_HORIZON' },
      'engine-patience': { type: 'string', default: `${DEFAULT_ENGINE_PATIENCE_MS / 1000}s` },
      'until-idle': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const streamName = values.stream;
  if (!streamName) throw new Error('--stream is required');
  if (values['kinesis-local'] && values.endpoint)
    throw new Error('give --endpoint or --kinesis-local, not both');
  const position = values['starting-position'] as StartingPosition;
  if (!STARTING_POSITIONS.includes(position)) {
    throw new Error(`--starting-position must be one of ${STARTING_POSITIONS.join(', ')}, got "${position}"`);
  }
  const enginePatienceMs = parseDurationMs(values['engine-patience'], '--engine-patience');
  const quietMs =
    values['until-idle'] === undefined ? undefined : positiveInt(values['until-idle'], '--until-idle');
  const dataDir = resolveDataDir(values.data);
  const checkpointPath = join(dataDir, 'checkpoints.json');
  const deadLetter = new FileDeadLetter(join(dataDir, 'dead-letter.jsonl'));

  let engine: SupervisedKinesisLocal | undefined;
  if (values['kinesis-local']) {
    const persistDir = kinesisLocalPersistDir(dataDir);
    engine = await SupervisedKinesisLocal.start({
      persistDir,
      port: positiveInt(values['kinesis-port'], '--kinesis-port'),
      logFile: join(dataDir, 'kinesis-local.log'),
      onEvent: (event) => console.error(`pfm consume: ${formatEngineEvent(event, persistDir)}`),
    });
    console.error(
      `pfm consume: kinesis-local on ${engine.endpoint} (pid ${engine.pid}), its streams kept in ${persistDir}`,
    );
  }
  const endpoint = engine?.endpoint ?? values.endpoint;
  const endpointLabel = endpoint ?? process.env.AWS_ENDPOINT_URL_KINESIS ?? 'the SDK default';
  const client = createKinesisClient(endpoint === undefined ? {} : { endpoint });

  const counts = { scored: 0, quarantined: 0 };
  let stack: Awaited<ReturnType<typeof openInferenceStack>>;
  try {
    if (engine) await ensureStream(client, streamName, positiveInt(values.shards, '--shards'));
    stack = await openInferenceStack({
      dataDir,
      onOutcome: (o) => {
        counts.scored += o.predictions.length;
        counts.quarantined += o.quarantined.length;
      },
    });
  } catch (err) {
    client.destroy();
    await engine?.stop();
    throw err;
  }

  let fatal: unknown;
  let failed: () => void = () => undefined;
  const failure = new Promise<void>((resolve) => {
    failed = resolve;
  });
  const runner = new EventSourceRunner({
    client,
    streamName,
    handler: stack.handler,
    batchSize: positiveInt(values['batch-size'], '--batch-size'),
    batchingWindowMs: Number(values['window-ms']),
    ...INFERENCE_EVENT_SOURCE,
    maxRetryAttempts: Number(values['max-retries']),
    maxRecordAgeSeconds: Number(values['max-record-age']),
    enginePatienceMs,
    pollIntervalMs: 200,
    startingPosition: position,
    checkpointStore: new FileCheckpointStore(checkpointPath),
    deadLetter,
    onNotice: (notice) => console.error(`pfm consume: ${formatRunnerNotice(notice, endpointLabel)}`),
    // A fatal error ends the run at once, not at the next Ctrl-C.
    onError: (err) => {
      fatal = err;
      failed();
    },
  });
  const onSignal = (): void => failed();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const ticker = setInterval(() => {
    const { deadLettered, engine: reach } = runner.stats();
    const outage = engineStatus(reach.unreachableSince);
    console.error(
      `consume ${streamName}: scored ${formatNumber(counts.scored)} | quarantined ${formatNumber(counts.quarantined)}` +
        ` | dead-lettered ${formatNumber(deadLettered)}${outage ? ` | ${outage}` : ''}`,
    );
  }, 1000);
  let error: unknown;
  try {
    await runner.start();
    const finished =
      quietMs === undefined
        ? new Promise<void>(() => undefined)
        : runner.waitForIdle({ quietMs, timeoutMs: 10 * 60_000 });
    await Promise.race([finished, failure]);
    if (fatal !== undefined) throw fatal;
  } catch (err) {
    error = err;
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // The runner's own failure was reported through onError already; stop() only lets in-flight batches finish.
    await runner.stop().catch(() => undefined);
    const stats = runner.stats();
    const store = await stack.store.fleetQueries.counts();
    await stack.close();
    client.destroy();
    await engine?.stop();
    const deadLetters = (await deadLetter.read()).length;
    console.log(
      `pfm consume: this run delivered ${formatNumber(stats.delivered)} records to the handler in ${formatNumber(stats.batches)} batches` +
        ` (${formatNumber(stats.succeeded)} handled, ${formatNumber(stats.deadLettered)} dead-lettered, ${formatNumber(stats.retriedBatches)} batches split or retried);` +
        ` it scored ${formatNumber(counts.scored)} and quarantined ${formatNumber(counts.quarantined)}.` +
        ` The store holds ${formatNumber(store.predictions)} predictions + ${formatNumber(store.quarantined)} quarantined records,` +
        ` and the dead letter ${formatNumber(deadLetters)}: ${formatNumber(store.predictions + store.quarantined + deadLetters)} records in all;` +
        ` checkpoints in ${checkpointPath}`,
    );
    if (error !== undefined) {
      const ranges = unreadRanges(stats);
      console.log(
        ranges.length > 0
          ? [
              'pfm consume: stopped before the end of the stream; not handled yet:',
              ...formatUnreadRanges(ranges),
            ].join('\n')
          : 'pfm consume: stopped before reading any shard of the stream',
      );
    }
  }
  if (error !== undefined) throw error;
  return 0;
}

/** Milliseconds from "500ms", "90s", "5m" or a bare number of seconds; an error naming the flag otherwise. */
export function parseDurationMs(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new Error(`${flag} must be a duration such as 500ms, 90s or 5m, got "${text}"`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(value * (unit === 'ms' ? 1 : unit === 's' ? 1_000 : 60_000));
}
