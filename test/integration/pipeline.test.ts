import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLocalPipeline } from '../../app/pipeline/localPipeline.js';
import { POISON_KINDS, poisonPlan, poisonRecord } from '../../app/pipeline/poison.js';
import { STORE_FILE } from '../../processors/store/constants.js';
import { openDuckDbStore } from '../../processors/store/openDuckDbStore.js';
import { encodeReading } from '../../schemas/codec/readingCodec.js';
import { KinesisWriter } from '../../stream/kinesis/KinesisWriter.js';
import { createSimulator } from '../../stream/simulator/Simulator.js';
import { useKinesisLocal } from '../helpers/kinesisLocal.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pfm-it-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Each run drives a real kinesis-local and the whole pipeline (about 30 s alone on 2 cores); the suite's 60 s
// default leaves no room when other suites share the cores, so these runs get a larger ceiling.
describe('local pipeline, end to end through kinesis-local', { timeout: 180_000 }, () => {
  it('accounts for every record: scored + quarantined = produced, with each poison kind quarantined', async () => {
    const dataDir = tempDir();
    const summary = await runLocalPipeline({
      dataDir,
      machines: 20,
      records: 3000,
      rate: 0,
      shards: 2,
      seed: 7,
      poisonRate: 0.01,
      batchSize: 250,
      batchingWindowMs: 20,
    });
    expect(summary.produced).toBe(3000);
    expect(summary.poisoned).toBe(30);
    expect(summary.store.quarantined).toBe(30);
    expect(summary.store.predictions).toBe(2970);
    expect(summary.deadLettered).toBe(0);
    expect(summary.accountedFor).toBe(true);
    expect(Object.values(summary.store.quarantinedByCode)).toEqual([6, 6, 6, 6, 6]);
    expect(Object.keys(summary.store.quarantinedByCode).sort()).toEqual(
      ['BAD_MARKER', 'NON_FINITE', 'OUT_OF_RANGE', 'TRUNCATED_BODY', 'UNKNOWN_FINGERPRINT'].sort(),
    );
    // The confusion matrix covers exactly the scored records, each once.
    const c = summary.anyFailure;
    expect(c.tp + c.fp + c.fn + c.tn).toBe(2970);
    expect(summary.store.devices).toBe(20);
    // A stationary fleet: the drift monitor saw every window and raised nothing.
    expect(summary.drift?.windows.evaluated).toBeGreaterThanOrEqual(3);
    expect(summary.drift?.fleet).toBe('OK');
    expect(summary.drift?.events.emitted).toBe(0);
  });

  it('drives the drift monitor end to end: an injected torque offset becomes one drift event naming torque', async () => {
    const summary = await runLocalPipeline({
      dataDir: tempDir(),
      machines: 20,
      records: 4000,
      rate: 0,
      shards: 2,
      seed: 8,
      startTime: Date.now() - 3_600_000,
      intervalMs: 1000,
      // From the 101st reading of each machine on (2,000 readings in), every torque sensor reads 8 Nm high.
      drift: [{ feature: 'torqueNm', kind: 'offset', amount: 8, fromTime: Date.now() - 3_600_000 + 100_000 }],
      poisonRate: 0,
      batchSize: 500,
      batchingWindowMs: 20,
    });
    expect(summary.accountedFor).toBe(true);
    const drift = summary.drift;
    expect(drift?.fleet).toBe('DRIFT');
    const events = readFileSync(summary.driftEventsPath as string, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const fleetDetections = events.filter(
      (e) => e.detailType === 'FeatureDriftDetected' && e.detail.scope.kind === 'fleet',
    );
    expect(fleetDetections).toHaveLength(1);
    expect(fleetDetections[0].detail.topFeatures.map((f: { feature: string }) => f.feature)).toContain(
      'torque_nm',
    );
    // Before the shift the fleet was quiet: the first fleet detection comes from a window holding drifted readings.
    expect(fleetDetections[0].detail.window.seq).toBeGreaterThanOrEqual(2);
  });
});

describe('pfm consume, killed and restarted', () => {
  const kinesis = useKinesisLocal();

  interface Consumer {
    done: Promise<number | null>;
    kill: () => void;
    /** The exit code once the process has exited (null after a signal), undefined while it runs. */
    exitCode: () => number | null | undefined;
    stderr: () => string;
  }

  function consume(args: string[]): Consumer {
    const child = spawn(process.execPath, ['bin/pfm.js', 'consume', ...args], {
      cwd: join(import.meta.dirname, '../..'),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let exitCode: number | null | undefined;
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const done = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        exitCode = code;
        if (code !== 0 && code !== null) console.error(stderr);
        resolve(code);
      }),
    );
    return { done, kill: () => child.kill('SIGKILL'), exitCode: () => exitCode, stderr: () => stderr };
  }

  /**
   * Waits until `path` exists, polling every 5 ms; fails with what the consumer said if it exits first, and
   * kills it and fails if `timeoutMs` passes (well inside the test's own timeout, so the message is this one).
   */
  async function waitForFile(path: string, consumer: Consumer, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(path)) {
      const code = consumer.exitCode();
      if (code !== undefined) {
        throw new Error(
          `pfm consume exited (code ${code}) before writing ${path}; stderr:\n${consumer.stderr()}`,
        );
      }
      if (Date.now() > deadline) {
        consumer.kill();
        throw new Error(`pfm consume wrote no ${path} within ${timeoutMs} ms; stderr:\n${consumer.stderr()}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it('resumes from its checkpoints with nothing lost and nothing duplicated', async () => {
    const { streamName } = await kinesis.freshStream(2, 'resume');
    const total = 3000;
    const simulator = createSimulator({
      machines: 10,
      seed: 11,
      startTime: Date.now() - 3_600_000,
      intervalMs: 1000,
    });
    const poison = poisonPlan(0.005);
    const entries = simulator.take(total).map(({ reading }, i) => {
      const kind = poison(i);
      return {
        data: kind ? poisonRecord(reading, kind) : encodeReading(reading),
        partitionKey: reading.deviceId,
      };
    });
    const written = await new KinesisWriter({ client: kinesis.client, streamName }).write(entries);
    expect(written.written).toBe(total);

    const dataDir = tempDir();
    const args = [
      '--stream',
      streamName,
      '--endpoint',
      kinesis.endpoint,
      '--data',
      dataDir,
      '--window-ms',
      '0',
    ];
    const checkpoints = join(dataDir, 'checkpoints.json');

    // First run: small batches, killed without warning as soon as it has checkpointed something.
    const first = consume([...args, '--batch-size', '25']);
    await waitForFile(checkpoints, first, 20_000);
    first.kill();
    await first.done;
    // Checkpoints are kept per stream ARN, each entry naming its stream (FileCheckpointStore's version 2 file).
    const saved = JSON.parse(readFileSync(checkpoints, 'utf8')) as {
      streams: Record<string, { streamName: string; shards: Record<string, string> }>;
    };
    const entry = Object.values(saved.streams).find((s) => s.streamName === streamName);
    expect(Object.keys(entry?.shards ?? {}).length).toBeGreaterThan(0);

    const afterKill = await openDuckDbStore(join(dataDir, STORE_FILE));
    const partial = await afterKill.fleetQueries.counts();
    await afterKill.close();
    expect(partial.predictions + partial.quarantined).toBeGreaterThan(0);
    expect(partial.predictions + partial.quarantined).toBeLessThan(total);

    // Second run resumes from the checkpoints and stops once the stream is read to its end.
    const second = consume([...args, '--batch-size', '500', '--until-idle', '500']);
    expect(await second.done).toBe(0);

    const store = await openDuckDbStore(join(dataDir, STORE_FILE), { readOnly: true });
    const counts = await store.fleetQueries.counts();
    const [distinct] = await store.database.query(
      'SELECT count(DISTINCT event_id)::INTEGER AS events, count(*)::INTEGER AS rows FROM predictions',
    );
    await store.close();
    expect(counts.quarantined).toBe(Math.round(total * 0.005));
    expect(counts.predictions + counts.quarantined).toBe(total);
    expect(distinct).toEqual({ events: counts.predictions, rows: counts.predictions });
    expect(Object.keys(counts.quarantinedByCode)).toHaveLength(POISON_KINDS.length);
  });
});
