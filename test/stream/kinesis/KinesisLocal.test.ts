import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import { createKinesisClient, ensureStream } from '../../../stream/kinesis/client.js';
import {
  KINESIS_LOCAL_DATA_FILE,
  KinesisLocal,
  kinesisLocalPersistDir,
} from '../../../stream/kinesis/KinesisLocal.js';
import { freePort } from '../../../stream/process/loopback.js';

const started: KinesisLocal[] = [];
const startLocal = async (opts?: Parameters<typeof KinesisLocal.start>[0]): Promise<KinesisLocal> => {
  const local = await KinesisLocal.start(opts);
  started.push(local);
  return local;
};

afterEach(async () => {
  await Promise.all(started.splice(0).map((l) => l.stop()));
});

/** Local addresses (hex, as /proc shows them) of the sockets listening on a port. */
function listenAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6']
    .filter((file) => existsSync(file))
    .flatMap((file) => readFileSync(file, 'utf8').split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A')
    .map((cols) => cols[1]?.split(':')[0] ?? '');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readAll(endpoint: string, streamName: string): Promise<string[]> {
  const client = createKinesisClient({ endpoint });
  try {
    const shards = await client.send(new ListShardsCommand({ StreamName: streamName }));
    const it = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shards.Shards?.[0]?.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const out = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    return (out.Records ?? []).map((r) => new TextDecoder().decode(r.Data));
  } finally {
    client.destroy();
  }
}

describe('KinesisLocal', () => {
  it.runIf(existsSync('/proc/net/tcp'))('listens on 127.0.0.1 only', async () => {
    const local = await startLocal();
    const url = new URL(local.endpoint);
    expect(url.hostname).toBe('127.0.0.1');
    // 0100007F is 127.0.0.1 in /proc's little-endian hex; 00000000 would be every interface.
    expect(listenAddresses(Number(url.port))).toEqual(['0100007F']);
  });

  it('stop() ends the engine process', async () => {
    const local = await startLocal();
    const pid = local.pid as number;
    expect(isAlive(pid)).toBe(true);
    await local.stop();
    expect(isAlive(pid)).toBe(false);
    await local.stop();
  });

  it('keeps streams and records across restarts with persistDir', async () => {
    const persistDir = await mkdtemp(join(tmpdir(), 'kinesis-local-'));
    try {
      const first = await startLocal({ persistDir });
      const client = createKinesisClient({ endpoint: first.endpoint });
      await ensureStream(client, 'kept', 1);
      await client.send(
        new PutRecordsCommand({
          StreamName: 'kept',
          Records: ['a', 'b'].map((s) => ({ Data: new TextEncoder().encode(s), PartitionKey: s })),
        }),
      );
      client.destroy();
      await first.stop();

      const second = await startLocal({ persistDir });
      expect(await readAll(second.endpoint, 'kept')).toEqual(['a', 'b']);
    } finally {
      await rm(persistDir, { recursive: true, force: true });
    }
  });

  it('comes back on the same port with its streams and records after a SIGKILL, once it had written them', async () => {
    const persistDir = await mkdtemp(join(tmpdir(), 'kinesis-local-'));
    try {
      const port = await freePort();
      const first = await startLocal({ persistDir, port });
      const client = createKinesisClient({ endpoint: first.endpoint });
      await ensureStream(client, 'kept', 1);
      await client.send(
        new PutRecordsCommand({
          StreamName: 'kept',
          Records: ['a', 'b', 'c'].map((s) => ({ Data: new TextEncoder().encode(s), PartitionKey: s })),
        }),
      );
      client.destroy();
      // The engine writes its data every second: wait for a write that holds the three records, then kill it.
      const file = join(persistDir, KINESIS_LOCAL_DATA_FILE);
      const since = Date.now();
      await expect
        .poll(
          () =>
            existsSync(file) && statSync(file).mtimeMs > since && readFileSync(file, 'utf8').includes('"c"'),
          {
            timeout: 20_000,
            interval: 50,
          },
        )
        .toBe(true);
      process.kill(first.pid as number, 'SIGKILL');
      await expect.poll(() => isAlive(first.pid as number)).toBe(false);

      const second = await startLocal({ persistDir, port });
      expect(second.endpoint).toBe(first.endpoint);
      expect(await readAll(second.endpoint, 'kept')).toEqual(['a', 'b', 'c']);
    } finally {
      await rm(persistDir, { recursive: true, force: true });
    }
  });

  it('refuses a data file cut short by a kill during a write, saying which file and what to do', async () => {
    const persistDir = await mkdtemp(join(tmpdir(), 'kinesis-local-'));
    try {
      const file = join(persistDir, KINESIS_LOCAL_DATA_FILE);
      await writeFile(file, '{"streams":{"us-east-1":[{"streamName":"kept","sha');
      await expect(KinesisLocal.start({ persistDir })).rejects.toMatchObject({
        code: 'KINESIS_LOCAL_START_FAILED',
        message: expect.stringContaining(`mv ${file} ${file}.broken`),
      });
    } finally {
      await rm(persistDir, { recursive: true, force: true });
    }
  });

  it('keeps its data in one named folder of a data directory', () => {
    expect(kinesisLocalPersistDir('/data/pfm')).toBe('/data/pfm/kinesis-local');
  });
});
