import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { loadModelArtifacts } from '../../model/artifacts.js';
import { OnnxScorer } from '../../model/OnnxScorer.js';
import { readInferenceConfig } from '../../processors/config.js';
import { createInferenceCore } from '../../processors/inference/core.js';
import { createHandler, WRITE_RETRY_DEFAULTS } from '../../processors/inference/handler.js';
import { createSinks } from '../../processors/sinks/createSinks.js';
import { decodeReading } from '../../schemas/codec/readingCodec.js';
import { createKinesisClient } from '../../stream/kinesis/client.js';
import { FileDeadLetter } from '../../stream/runner/FileDeadLetter.js';
import { RUN_FILES } from '../pipeline/runFiles.js';
import { failureRecordsOf } from '../replay/deadLetterFile.js';
import { type FailureRecord, parseFailureRecords } from '../replay/failureRecords.js';
import { readShardRange } from '../replay/readShardRange.js';
import {
  type RangeResult,
  type ReplayReport,
  remainingFailures,
  replayFailures,
} from '../replay/replayFailures.js';
import { resolveRunDir } from './dataDir.js';
import { formatNumber, renderTable } from './format.js';
import { positiveInt } from './query.js';

const HELP = `pfm replay — re-drive the batches the inference processor gave up on

Reads on-failure records (shard and sequence range), re-reads those records from the stream within its retention
and runs them through the same inference handler and sink, then says what it could not replay and why.

Usage:
  pfm replay --failures FILE [options]    records from the stack's on-failure queue (see README, "Replaying failures")
  pfm replay [--dead-letter FILE]         the local runner's dead letters (default the latest run's ${RUN_FILES.deadLetter})

Options:
  --failures FILE     JSON lines of on-failure message bodies, or the output of \`aws sqs receive-message\`
  --dead-letter FILE  the dead-letter file of \`pfm run\` / \`pfm consume\`
  --endpoint URL      Kinesis endpoint (default: the SDK's, e.g. AWS_ENDPOINT_URL_KINESIS)
  --data DIR          the embedded store (PFM_SINK=duckdb, the default) and default dead-letter file: the
                      data directory's latest run, or one run's folder (default ./pfm-data or PFM_DATA_DIR);
                      other sinks are configured as the Lambda is
                      (PFM_SINK=influxdb|timestream with their variables)
  --batch-size N      records per handler call (default 500)
  --patience-ms N     how long one batch may wait out a store that refuses writes (default 60000)
  --remaining FILE    write on-failure records for what still failed, to replay later with --failures

Exit status: 0 everything replayed, 2 some records not replayed (listed), 1 usage or I/O error.`;

/** `pfm replay`: the on-failure destination's (or the dead-letter file's) batches, scored again from the stream. */
export async function replayCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      failures: { type: 'string' },
      'dead-letter': { type: 'string' },
      endpoint: { type: 'string' },
      data: { type: 'string' },
      'batch-size': { type: 'string', default: '500' },
      'patience-ms': { type: 'string', default: '60000' },
      remaining: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.failures !== undefined && values['dead-letter'] !== undefined) {
    throw new Error('give --failures or --dead-letter, not both');
  }
  const batchSize = positiveInt(values['batch-size'], '--batch-size');
  const patienceMs = positiveInt(values['patience-ms'], '--patience-ms');
  // `pfm run` keeps each run in a folder of its own: its dead letters and store are the latest run's.
  const dataDir = resolveRunDir(values.data);
  const client = createKinesisClient(values.endpoint ? { endpoint: values.endpoint } : {});
  try {
    const { failures, source } = await loadFailures(values, dataDir, client);
    if (failures.length === 0) {
      console.log(`pfm replay: nothing to replay in ${source}`);
      return 0;
    }
    const config = readInferenceConfig({ ...process.env, PFM_DATA_DIR: dataDir });
    const artifacts = await loadModelArtifacts(config.PFM_MODEL_DIR);
    const scorer = await OnnxScorer.create(artifacts);
    const outcome = { scored: 0, quarantined: 0 };
    let report: ReplayReport;
    try {
      const sinks = await createSinks(config);
      try {
        const handle = createHandler({
          core: createInferenceCore({ decode: decodeReading, scorer, model: artifacts, now: Date.now }),
          sink: sinks.sink,
          quarantine: sinks.quarantine,
          onOutcome: (o) => {
            outcome.scored += o.predictions.length;
            outcome.quarantined += o.quarantined.length;
          },
          writeRetry: WRITE_RETRY_DEFAULTS,
        });
        const expected = failures.reduce((n, f) => n + f.KinesisBatchInfo.batchSize, 0);
        console.error(
          `pfm replay: ${formatNumber(failures.length)} failed batches (${formatNumber(expected)} records) from ${source}` +
            ` into the ${config.PFM_SINK} store`,
        );
        report = await replayFailures(failures, {
          read: (range) => readShardRange(client, range),
          // The patience stands in for a Lambda invocation's remaining time: the handler's write retries fit in it.
          handler: (event) => handle(event, { getRemainingTimeInMillis: () => patienceMs }),
          batchSize,
          onRange: (r, done, total) => console.error(progressLine(r, done, total)),
        });
      } finally {
        await sinks.close();
      }
    } finally {
      await scorer.release();
    }
    if (values.remaining !== undefined) {
      const remaining = remainingFailures(report);
      await writeFile(values.remaining, remaining.map((r) => `${JSON.stringify(r)}\n`).join(''));
      console.error(
        `pfm replay: ${formatNumber(remaining.length)} on-failure records left in ${values.remaining}`,
      );
    }
    const notReplayed = report.ranges.filter((r) => r.replayed < r.expected);
    if (notReplayed.length > 0) console.log(notReplayedTable(notReplayed));
    console.log(
      `pfm replay: ${formatNumber(report.expected)} records in ${formatNumber(report.ranges.length)} batches:` +
        ` ${formatNumber(report.replayed)} replayed (${formatNumber(outcome.scored)} scored, ${formatNumber(outcome.quarantined)} quarantined),` +
        ` ${formatNumber(report.missing)} no longer on the stream, ${formatNumber(report.failed)} still failing` +
        (report.replayed === report.expected ? ' — all replayed' : ''),
    );
    return report.replayed === report.expected ? 0 : 2;
  } finally {
    client.destroy();
  }
}

async function loadFailures(
  values: { failures?: string | undefined; 'dead-letter'?: string | undefined },
  dataDir: string,
  client: KinesisClient,
): Promise<{ failures: FailureRecord[]; source: string }> {
  if (values.failures !== undefined) {
    const text = await readFile(values.failures, 'utf8');
    return { failures: parseFailureRecords(text, values.failures), source: values.failures };
  }
  const path = values['dead-letter'] ?? join(dataDir, RUN_FILES.deadLetter);
  if (values['dead-letter'] !== undefined && !existsSync(path))
    throw new Error(`no dead-letter file at ${path}`);
  const entries = await new FileDeadLetter(path).read();
  // The dead letters name the stream; the event's ARN comes from the stream itself, as the runner's events do.
  const arns = new Map<string, string>();
  for (const name of new Set(entries.map((e) => e.streamName))) {
    const answer = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    const arn = answer.StreamDescriptionSummary?.StreamARN;
    if (arn === undefined) throw new Error(`stream ${name}: DescribeStreamSummary returned no ARN`);
    arns.set(name, arn);
  }
  return { failures: failureRecordsOf(entries, (name) => arns.get(name) as string), source: path };
}

function progressLine(r: RangeResult, done: number, total: number): string {
  const info = r.failure.KinesisBatchInfo;
  const parts = [`${formatNumber(r.replayed)}/${formatNumber(r.expected)} replayed`];
  if (r.missing > 0) parts.push(`${formatNumber(r.missing)} no longer on the stream`);
  if (r.failed > 0) parts.push(`${formatNumber(r.failed)} still failing`);
  return `  [${done}/${total}] ${info.shardId} ${info.startSequenceNumber}..${info.endSequenceNumber}: ${parts.join(', ')}`;
}

function notReplayedTable(ranges: RangeResult[]): string {
  return `Not replayed:\n${renderTable(
    ['shard', 'first sequence', 'records', 'missing', 'failing', 'why'],
    ranges.map((r) => [
      r.failure.KinesisBatchInfo.shardId,
      r.failure.KinesisBatchInfo.startSequenceNumber,
      r.expected,
      r.missing,
      r.failed,
      r.unreadable ??
        r.failedReason ??
        'trimmed: older than the stream retention (or never written to this stream)',
    ]),
  )}`;
}
