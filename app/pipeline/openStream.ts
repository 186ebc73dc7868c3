import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient, ensureStream } from '../../stream/kinesis/client.js';
import { kinesisLocalPersistDir } from '../../stream/kinesis/KinesisLocal.js';
import { type EngineEvent, SupervisedKinesisLocal } from '../../stream/kinesis/SupervisedKinesisLocal.js';

/** The stream a run writes to and reads from, and how to let go of it. */
export interface PipelineStream {
  client: KinesisClient;
  streamName: string;
  /** The Kinesis endpoint, for messages ('the SDK default' when none was given). */
  endpoint: string;
  /** Destroys the client and stops kinesis-local if the run started it; the stream itself is left. */
  close(): Promise<void>;
}

/** One log line for what happened to the kinesis-local a run started. */
export function formatEngineEvent(event: EngineEvent, persistDir: string): string {
  switch (event.kind) {
    case 'exited':
      return `kinesis-local (pid ${event.pid}) exited unexpectedly; starting it again on the same port with the streams kept in ${persistDir}`;
    case 'restarted':
      return `kinesis-local is back (pid ${event.pid}) after ${(event.downMs / 1000).toFixed(1)} s`;
    case 'gaveUp':
      return `kinesis-local is not started again: ${event.reason}`;
  }
}

/**
 * Connects to `endpoint`, or without one starts kinesis-local on 127.0.0.1 (logging to `logFile`), and
 * creates the stream with `shards` shards if it does not exist; resolves once the stream is ACTIVE.
 * The kinesis-local a run starts keeps its streams on disk in `persistDir` (default: kinesis-local/ next to the log,
 * see kinesisLocalPersistDir), emptied first since a run's stream is its own, and is started again on the same port
 * if it dies during the run, so the records written before lose nothing.
 */
export async function openStream(opts: {
  endpoint?: string;
  logFile: string;
  streamName: string;
  shards: number;
  persistDir?: string;
  /** Where news of the engine goes; default one line each on stderr. */
  onEngineEvent?: (line: string) => void;
}): Promise<PipelineStream> {
  let engine: SupervisedKinesisLocal | undefined;
  if (!opts.endpoint) {
    const persistDir = opts.persistDir ?? kinesisLocalPersistDir(dirname(opts.logFile));
    rmSync(persistDir, { recursive: true, force: true });
    const say = opts.onEngineEvent ?? ((line: string) => console.error(`pfm: ${line}`));
    engine = await SupervisedKinesisLocal.start({
      logFile: opts.logFile,
      persistDir,
      onEvent: (event) => say(formatEngineEvent(event, persistDir)),
    });
  }
  const endpoint = opts.endpoint ?? engine?.endpoint;
  const client = createKinesisClient(endpoint === undefined ? {} : { endpoint });
  const close = async () => {
    client.destroy();
    await engine?.stop();
  };
  try {
    await ensureStream(client, opts.streamName, opts.shards);
  } catch (err) {
    await close();
    throw err;
  }
  return { client, streamName: opts.streamName, endpoint: endpoint ?? 'the SDK default', close };
}
