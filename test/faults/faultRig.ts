import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { poisonPlan, poisonRecord } from '../../app/pipeline/poison.js';
import { STORE_FILE } from '../../processors/store/constants.js';
import { openDuckDbStore } from '../../processors/store/openDuckDbStore.js';
import { encodeReading } from '../../schemas/codec/readingCodec.js';
import { createSimulator } from '../../stream/simulator/Simulator.js';

// The fault-injection rig: what was put, per record identity (shard and sequence number, the eventID Lambda gives a
// record); a real `pfm consume` child process to kill; and an audit of the store that counts rows without DISTINCT,
// so a record stored twice, or stored and quarantined, or missing, shows.

const REPO = join(import.meta.dirname, '../..');

/** One record put on the stream, by the identity the store keeps it under. */
export interface PutRecord {
  /** `${shardId}:${sequenceNumber}`, the eventID of the record's Lambda event. */
  eventId: string;
  shardId: string;
  sequenceNumber: bigint;
  /** A valid reading (to be scored) or a deliberately bad record (to be quarantined). */
  kind: 'reading' | 'poison';
}

/** Writes `count` simulated readings (a fraction of them poisoned) and returns every record's identity as put. */
export async function putReadings(
  client: KinesisClient,
  streamName: string,
  opts: { count: number; poisonRate: number; seed: number; machines?: number },
): Promise<PutRecord[]> {
  const simulator = createSimulator({
    machines: opts.machines ?? 50,
    seed: opts.seed,
    startTime: Date.now() - 24 * 3_600_000,
    intervalMs: 1_000,
  });
  const poison = poisonPlan(opts.poisonRate);
  const entries = simulator.take(opts.count).map(({ reading }, i) => {
    const kind = poison(i);
    return {
      entry: {
        Data: kind ? poisonRecord(reading, kind) : encodeReading(reading),
        PartitionKey: reading.deviceId,
      } satisfies PutRecordsRequestEntry,
      kind: kind ? ('poison' as const) : ('reading' as const),
    };
  });
  const put: PutRecord[] = [];
  const chunks: (typeof entries)[] = [];
  for (let i = 0; i < entries.length; i += 500) chunks.push(entries.slice(i, i + 500));
  // Two calls in flight, as the simulator writes; a record the engine refuses is put again until it is taken.
  const writeChunk = async (chunk: typeof entries): Promise<void> => {
    let pending = chunk;
    while (pending.length > 0) {
      const out = await client.send(
        new PutRecordsCommand({ StreamName: streamName, Records: pending.map((p) => p.entry) }),
      );
      const retry: typeof entries = [];
      (out.Records ?? []).forEach((result, i) => {
        const source = pending[i];
        if (source === undefined) return;
        if (result.ErrorCode || !result.ShardId || !result.SequenceNumber) {
          retry.push(source);
          return;
        }
        put.push({
          eventId: `${result.ShardId}:${result.SequenceNumber}`,
          shardId: result.ShardId,
          sequenceNumber: BigInt(result.SequenceNumber),
          kind: source.kind,
        });
      });
      pending = retry;
    }
  };
  for (let i = 0; i < chunks.length; i += 2) await Promise.all(chunks.slice(i, i + 2).map(writeChunk));
  return put;
}

/**
 * How many of the put records a checkpoint file covers (handled for good), read as often as a test likes: the put
 * sequence numbers are sorted per shard once, and each checkpoint is looked up by binary search.
 */
export function checkpointProgress(put: readonly PutRecord[]): (checkpointPath: string) => number {
  const byShard = new Map<string, bigint[]>();
  for (const r of put) byShard.set(r.shardId, [...(byShard.get(r.shardId) ?? []), r.sequenceNumber]);
  for (const seqs of byShard.values()) seqs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const atOrBelow = (seqs: readonly bigint[], cp: bigint): number => {
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((seqs[mid] as bigint) <= cp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (checkpointPath) => {
    if (!existsSync(checkpointPath)) return 0;
    let file: { streams?: Record<string, { shards?: Record<string, string> }> };
    try {
      file = JSON.parse(readFileSync(checkpointPath, 'utf8'));
    } catch {
      return 0;
    }
    let handled = 0;
    for (const stream of Object.values(file.streams ?? {})) {
      for (const [shard, seq] of Object.entries(stream.shards ?? {})) {
        handled += atOrBelow(byShard.get(shard) ?? [], BigInt(seq));
      }
    }
    return handled;
  };
}

/** A `pfm consume` child process, its output kept. */
export interface ConsumeProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `pfm consume` with these arguments, as a user would: `node bin/pfm.js consume ...`. */
export function startConsume(args: readonly string[]): ConsumeProcess {
  const child = spawn(process.execPath, ['bin/pfm.js', 'consume', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal = 'SIGKILL') => {
      child.kill(signal);
    },
  };
}

/** What the store holds, counted per identity without DISTINCT: every row of predictions and quarantine. */
export interface StoreAudit {
  predictions: number;
  quarantined: number;
  /** eventId -> its rows in each table. */
  rowsPerEvent: Map<string, { predictions: number; quarantined: number }>;
}

/** Opens the store of a data directory once no process writes it, and counts what it holds per identity. */
export async function auditStore(dataDir: string): Promise<StoreAudit> {
  const store = await openDuckDbStore(join(dataDir, STORE_FILE));
  try {
    const rows = (await store.database.query(
      `SELECT 'prediction' AS kind, event_id FROM predictions
       UNION ALL SELECT 'quarantine' AS kind, event_id FROM quarantine`,
    )) as { kind: string; event_id: string }[];
    const rowsPerEvent = new Map<string, { predictions: number; quarantined: number }>();
    let predictions = 0;
    let quarantined = 0;
    for (const row of rows) {
      const counts = rowsPerEvent.get(row.event_id) ?? { predictions: 0, quarantined: 0 };
      if (row.kind === 'prediction') {
        predictions++;
        counts.predictions++;
      } else {
        quarantined++;
        counts.quarantined++;
      }
      rowsPerEvent.set(row.event_id, counts);
    }
    return { predictions, quarantined, rowsPerEvent };
  } finally {
    await store.close();
  }
}

/** How the store compares with what was put; all zero but `stored` when every record is there exactly once. */
export interface Comparison {
  /** Records put that have no row. */
  missing: number;
  /** Rows beyond the first for a record (twice in a table, or in both). */
  duplicated: number;
  /** Readings that were quarantined, or poison that was scored. */
  misplaced: number;
  /** Rows for records that were never put. */
  unexpected: number;
  stored: number;
}

/** Compares the store with what was put: every record exactly once, readings scored and poison quarantined. */
export function compareWithPut(audit: StoreAudit, put: readonly PutRecord[]): Comparison {
  const putIds = new Set(put.map((r) => r.eventId));
  let missing = 0;
  let duplicated = 0;
  let misplaced = 0;
  for (const r of put) {
    const rows = audit.rowsPerEvent.get(r.eventId) ?? { predictions: 0, quarantined: 0 };
    const total = rows.predictions + rows.quarantined;
    if (total === 0) missing++;
    if (total > 1) duplicated += total - 1;
    if (total === 1 && (r.kind === 'reading' ? rows.predictions : rows.quarantined) !== 1) misplaced++;
  }
  let unexpected = 0;
  for (const id of audit.rowsPerEvent.keys()) if (!putIds.has(id)) unexpected++;
  return { missing, duplicated, misplaced, unexpected, stored: audit.predictions + audit.quarantined };
}

/** The summary `pfm consume` prints at the end of a run, as numbers. */
export interface ConsumeSummary {
  delivered: number;
  predictions: number;
  quarantined: number;
  deadLettered: number;
  inAll: number;
}

/** Reads the last summary line of a `pfm consume` run's output. */
export function parseSummary(stdout: string): ConsumeSummary {
  const num = (s: string | undefined): number => Number((s ?? '').replaceAll(',', ''));
  const line =
    stdout
      .split('\n')
      .filter((l) => l.startsWith('pfm consume: this run delivered'))
      .at(-1) ?? '';
  const m =
    /delivered ([\d,]+) records.*The store holds ([\d,]+) predictions \+ ([\d,]+) quarantined records, and the dead letter ([\d,]+): ([\d,]+) records in all/.exec(
      line,
    );
  if (!m) throw new Error(`no summary line in the output of pfm consume:\n${stdout}`);
  return {
    delivered: num(m[1]),
    predictions: num(m[2]),
    quarantined: num(m[3]),
    deadLettered: num(m[4]),
    inAll: num(m[5]),
  };
}

/**
 * Resolves right after kinesis-local has finished writing its data file: the file changed, then stayed the same
 * for a moment and parses whole. The engine rewrites it in place every second, so a SIGKILL during a write would cut it short (the
 * launcher then refuses it, see test/stream/kinesis/KinesisLocal.test.ts); a kill just after a write does not.
 */
export async function afterDataFileWrite(file: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const stamp = (): string => (existsSync(file) ? `${statSync(file).mtimeMs}/${statSync(file).size}` : '');
  const start = stamp();
  let seen = start;
  let stableSince = 0;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    const now = stamp();
    if (now !== seen) {
      seen = now;
      stableSince = Date.now();
    } else if (seen !== start && seen !== '' && Date.now() - stableSince >= 100 && isCompleteJson(file)) {
      return;
    }
  }
  throw new Error(`kinesis-local did not write ${file} within ${timeoutMs} ms`);
}

/** Whether the file parses whole: a write paused mid-way (a loaded machine) leaves its size still for a while. */
function isCompleteJson(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

/** Resolves when `check` holds, polling every 10 ms; rejects with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
