import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisClient, ensureStream } from '../../stream/kinesis/client.js';
import { KINESIS_LOCAL_DATA_FILE, KinesisLocal } from '../../stream/kinesis/KinesisLocal.js';
import { freePort } from '../../stream/process/loopback.js';
import { createRandom } from '../../stream/simulator/random.js';
import { startThrottlingKinesisProxy } from '../helpers/throttlingKinesisProxy.js';
import {
  afterDataFileWrite,
  auditStore,
  checkpointProgress,
  compareWithPut,
  type PutRecord,
  parseSummary,
  startConsume,
  waitFor,
} from './faultRig.js';

// Fault injection on real processes: `pfm consume` (a child process) and kinesis-local (a child process with its data
// on disk) are killed with SIGKILL, or GetRecords is throttled by a loopback proxy, while 10,000 readings are consumed.
// Each run must end with every record put stored exactly once (readings scored, poison quarantined), counted per
// record identity over every row of the store (no DISTINCT, no primary key doing the counting), and the run's own
// summary must say so. PFM_FAULT_SEED reproduces a run's random kill points.

const READINGS = 10_000;
const POISON_RATE = 0.005;
const SHARDS = 8;
const SEED = Number(process.env.PFM_FAULT_SEED ?? Date.now() % 1_000_000);
const random = createRandom(SEED);
const between = (lo: number, hi: number): number => lo + Math.floor(random.uniform() * (hi - lo + 1));

const dirs: string[] = [];
const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

let persistDir: string;
let port: number;
let engine: KinesisLocal;
let client: KinesisClient;
const streamName = 'fault-readings';
let put: PutRecord[];
let progress: (checkpointPath: string) => number;

beforeAll(async () => {
  console.log(`fault suite seed ${SEED} (PFM_FAULT_SEED=${SEED} reproduces the kill points)`);
  persistDir = tempDir('pfm-faults-engine-');
  port = await freePort();
  engine = await KinesisLocal.start({ persistDir, port });
  client = createKinesisClient({ endpoint: engine.endpoint });
  await ensureStream(client, streamName, SHARDS);
  const startedAt = performance.now();
  put = await putReadings();
  console.log(
    `put ${put.length} records on ${SHARDS} shards in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
  );
  progress = checkpointProgress(put);
  // The engine keeps its data on disk: wait until a write after the last put, so a SIGKILL can lose none of it.
  await afterDataFileWrite(join(persistDir, KINESIS_LOCAL_DATA_FILE));
}, 300_000);

afterAll(async () => {
  client?.destroy();
  await engine?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function putReadings(): Promise<PutRecord[]> {
  const { putReadings: write } = await import('./faultRig.js');
  const records = await write(client, streamName, { count: READINGS, poisonRate: POISON_RATE, seed: SEED });
  expect(records).toHaveLength(READINGS);
  expect(new Set(records.map((r) => r.eventId)).size).toBe(READINGS);
  return records;
}

/** Small batches (the kill test: many batches, so a kill lands between storing one and checkpointing it) or larger ones
 * (the engine tests, which only need the run to be mid-way when the fault comes), with no batching window. */
const consumeArgs = (dataDir: string, endpoint: string, batchSize = 250): string[] => [
  ...['--stream', streamName, '--endpoint', endpoint, '--data', dataDir],
  ...['--batch-size', String(batchSize), '--window-ms', '0'],
];

/** Every record put is in the store exactly once, and the run's own summary line gives the same counts. */
async function expectExactlyOnce(dataDir: string, stdout: string): Promise<void> {
  const audit = await auditStore(dataDir);
  const comparison = compareWithPut(audit, put);
  const poison = put.filter((r) => r.kind === 'poison').length;
  expect(comparison).toEqual({ missing: 0, duplicated: 0, misplaced: 0, unexpected: 0, stored: READINGS });
  expect([audit.predictions, audit.quarantined]).toEqual([READINGS - poison, poison]);
  const summary = parseSummary(stdout);
  expect(summary).toMatchObject({
    predictions: audit.predictions,
    quarantined: audit.quarantined,
    deadLettered: 0,
    inAll: READINGS,
  });
}

describe(`fault injection: ${READINGS.toLocaleString('en-US')} readings through pfm consume`, () => {
  it('SIGKILL of pfm consume at 10 random points, restarted each time: every reading stored or quarantined exactly once', async () => {
    const dataDir = tempDir('pfm-faults-consumer-');
    const checkpoints = join(dataDir, 'checkpoints.json');
    const args = consumeArgs(dataDir, engine.endpoint);
    const kills: { handled: number; stored: number }[] = [];
    for (let kill = 1; kill <= 10; kill++) {
      const before = progress(checkpoints);
      // A random point: some records into this run, then a random pause, so the kill can land while a batch is
      // read, scored, stored or checkpointed.
      const target = before + between(1, 600);
      const run = startConsume(args);
      const exitedEarly = run.exited.then((code) => {
        throw new Error(`pfm consume exited (${code}) before kill ${kill}: ${run.stderr()}`);
      });
      await Promise.race([
        waitFor(
          () => progress(checkpoints) >= target,
          `kill point ${kill} (${target} records handled)`,
          120_000,
        ),
        exitedEarly,
      ]);
      await new Promise((r) => setTimeout(r, between(0, 150)));
      run.kill('SIGKILL');
      await run.exited;
      exitedEarly.catch(() => undefined);
      const audit = await auditStore(dataDir);
      kills.push({ handled: progress(checkpoints), stored: audit.predictions + audit.quarantined });
    }
    const last = startConsume([...args, '--until-idle', '1000']);
    expect(await last.exited, last.stderr()).toBe(0);
    await expectExactlyOnce(dataDir, last.stdout());

    const storedAhead = kills.map((k) => k.stored - k.handled);
    console.log(
      `consumer SIGKILLs (seed ${SEED}): checkpointed at each kill ${kills.map((k) => k.handled).join(', ')}; ` +
        `stored beyond the checkpoint (delivered again after the restart) ${storedAhead.join(', ')}; ` +
        `last run: ${last.stdout().trim().split('\n').at(-1)}`,
    );
    expect(kills).toHaveLength(10);
    // Every kill came after progress and before the end: ten distinct points within the run.
    expect(new Set(kills.map((k) => k.handled)).size).toBe(10);
    expect(Math.max(...kills.map((k) => k.handled))).toBeLessThan(READINGS);
    // The store never runs behind the checkpoints: what a checkpoint covers was stored first.
    expect(Math.min(...storedAhead)).toBeGreaterThanOrEqual(0);
  }, 600_000);

  it('GetRecords throttled (ProvisionedThroughputExceededException from a proxy): every reading stored or quarantined exactly once', async () => {
    const proxy = await startThrottlingKinesisProxy(engine.endpoint);
    try {
      const dataDir = tempDir('pfm-faults-throttle-');
      // Kinesis's five reads per shard per second throughout, and the first two seconds of reads refused outright.
      const run = startConsume([...consumeArgs(dataDir, proxy.endpoint, 1_000), '--until-idle', '1000']);
      await waitFor(() => proxy.passed + proxy.throttled > 0, 'the first GetRecords', 120_000);
      proxy.burstUntil = Date.now() + 2_000;
      expect(await run.exited, run.stderr()).toBe(0);
      console.log(`throttling: ${proxy.throttled} GetRecords refused, ${proxy.passed} passed`);
      expect(proxy.throttled).toBeGreaterThan(SHARDS);
      await expectExactlyOnce(dataDir, run.stdout());
    } finally {
      await proxy.close();
    }
  }, 600_000);

  it('SIGKILL of kinesis-local mid-consume, restarted on the same port with its data: visible outage, every reading once', async () => {
    const dataDir = tempDir('pfm-faults-engine-kill-');
    const checkpoints = join(dataDir, 'checkpoints.json');
    const run = startConsume([
      ...consumeArgs(dataDir, engine.endpoint, 1_000),
      '--until-idle',
      '1000',
      '--engine-patience',
      '5m',
    ]);
    const target = between(1_000, 3_000);
    await waitFor(() => progress(checkpoints) >= target, `${target} records handled`, 120_000);
    // Between two of the engine's writes of its data file, so the kill does not cut the file short.
    await afterDataFileWrite(join(persistDir, KINESIS_LOCAL_DATA_FILE));
    const pid = engine.pid as number;
    process.kill(pid, 'SIGKILL');
    await engine.whenExited();
    const handledAtKill = progress(checkpoints);
    await waitFor(() => run.stderr().includes('unreachable since'), 'the outage log line', 60_000);
    engine = await KinesisLocal.start({ persistDir, port });
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stderr()).toMatch(/answers again after [\d.]+ s/);
    console.log(
      `engine SIGKILL at ${handledAtKill} records handled; ${run.stderr().match(/.*answers again.*/)?.[0]}`,
    );
    expect(handledAtKill).toBeLessThan(READINGS);
    await expectExactlyOnce(dataDir, run.stdout());
  }, 600_000);
});
