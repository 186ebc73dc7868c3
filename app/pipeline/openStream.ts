import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient, ensureStream } from '../../stream/kinesis/client.js';
import { KinesisLocal } from '../../stream/kinesis/KinesisLocal.js';

/** The stream a run writes to and reads from, and how to let go of it. */
export interface PipelineStream {
  client: KinesisClient;
  streamName: string;
  /** Destroys the client and stops kinesis-local if the run started it; the stream itself is left. */
  close(): Promise<void>;
}

/**
 * Connects to `endpoint`, or without one starts kinesis-local on 127.0.0.1 (logging to `logFile`), and
 * creates the stream with `shards` shards if it does not exist; resolves once the stream is ACTIVE.
 */
export async function openStream(opts: {
  endpoint?: string;
  logFile: string;
  streamName: string;
  shards: number;
}): Promise<PipelineStream> {
  const kinesisLocal = opts.endpoint ? undefined : await KinesisLocal.start({ logFile: opts.logFile });
  const client = createKinesisClient({ endpoint: opts.endpoint ?? kinesisLocal?.endpoint });
  const close = async () => {
    client.destroy();
    await kinesisLocal?.stop();
  };
  try {
    await ensureStream(client, opts.streamName, opts.shards);
  } catch (err) {
    await close();
    throw err;
  }
  return { client, streamName: opts.streamName, close };
}
