import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKinesisClient, ensureStream } from '../../stream/kinesis/client.js';
import { KinesisLocal } from '../../stream/kinesis/KinesisLocal.js';
import {
  auditStore,
  checkpointProgress,
  compareWithPut,
  parseSummary,
  putReadings,
  startConsume,
  waitFor,
} from './faultRig.js';

// An engine that dies and does not come back: kinesis-local (no data on disk) is SIGKILLed mid-consume and left dead.
// `pfm consume` must say so at once, wait no longer than its --engine-patience, then stop cleanly: exit status 1, the
// store closed with everything it handled, the summary printed, and each shard's unhandled records named by the
// sequence number after which they start, so that what is missing from the store is exactly what the run names.

const READINGS = 3_000;
const SHARDS = 2;
const dirs: string[] = [];
let engine: KinesisLocal | undefined;

afterAll(async () => {
  await engine?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The `  shardId: unhandled: every record after N` lines of a stopped run, as shard -> N (undefined: from the start). */
function namedUnhandled(stdout: string): Map<string, bigint | undefined> {
  const named = new Map<string, bigint | undefined>();
  for (const m of stdout.matchAll(/^ {2}(\S+): unhandled: every record (?:after (\d+)|from the start)/gm)) {
    named.set(m[1] as string, m[2] === undefined ? undefined : BigInt(m[2]));
  }
  return named;
}

describe('fault injection: the Kinesis engine dies for good mid-consume', () => {
  it('SIGKILL of kinesis-local, not restarted: outage logged, clean stop after the patience, summary and unhandled ranges that add up', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pfm-faults-patience-'));
    dirs.push(dataDir);
    engine = await KinesisLocal.start({});
    const client = createKinesisClient({ endpoint: engine.endpoint });
    const streamName = 'patience-readings';
    await ensureStream(client, streamName, SHARDS);
    const put = await putReadings(client, streamName, { count: READINGS, poisonRate: 0.01, seed: 7 });
    client.destroy();
    expect(put).toHaveLength(READINGS);
    const checkpoints = join(dataDir, 'checkpoints.json');
    const progress = checkpointProgress(put);

    const run = startConsume([
      ...['--stream', streamName, '--endpoint', engine.endpoint, '--data', dataDir],
      ...['--batch-size', '100', '--window-ms', '0', '--engine-patience', '3s', '--until-idle', '60000'],
    ]);
    await waitFor(() => progress(checkpoints) >= 500, '500 records handled', 120_000);
    const killedAt = Date.now();
    process.kill(engine.pid as number, 'SIGKILL');
    await engine.whenExited();
    engine = undefined;

    expect(await run.exited, run.stderr()).toBe(1);
    const stderr = run.stderr();
    const stdout = run.stdout();
    // Told at once, bounded by the patience (not --until-idle's minute, nor forever), and blamed on the engine.
    expect(stderr).toMatch(
      /Kinesis endpoint \S+ unreachable since \S+ .*retrying for up to 3\.0 s, then stopping cleanly/,
    );
    expect(stderr).toMatch(/pfm consume: the Kinesis endpoint has been unreachable for \d+ ms/);
    expect(Date.now() - killedAt).toBeLessThan(60_000);

    // The summary is printed and adds up with the store, which was closed with what the run handled.
    const audit = await auditStore(dataDir);
    const summary = parseSummary(stdout);
    expect(summary).toMatchObject({
      predictions: audit.predictions,
      quarantined: audit.quarantined,
      deadLettered: 0,
      inAll: audit.predictions + audit.quarantined,
    });
    const comparison = compareWithPut(audit, put);
    expect(comparison).toMatchObject({ duplicated: 0, misplaced: 0, unexpected: 0 });
    expect(comparison.stored).toBeGreaterThanOrEqual(500);
    expect(comparison.stored + comparison.missing).toBe(READINGS);

    // Each shard's unhandled records are named, and they are exactly the records missing from the store.
    expect(stdout).toContain('pfm consume: stopped before the end of the stream; not handled yet:');
    const named = namedUnhandled(stdout);
    expect([...named.keys()].sort()).toEqual([...new Set(put.map((r) => r.shardId))].sort());
    const namedAsUnhandled = put.filter((r) => {
      const after = named.get(r.shardId);
      return after === undefined || r.sequenceNumber > after;
    });
    const missingFromStore = put.filter((r) => !audit.rowsPerEvent.has(r.eventId));
    expect(namedAsUnhandled.map((r) => r.eventId).sort()).toEqual(
      missingFromStore.map((r) => r.eventId).sort(),
    );
    console.log(
      `engine killed for good: ${comparison.stored} of ${READINGS} records stored, the other ${comparison.missing} named as unhandled; ` +
        `stopped ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
    );
  }, 300_000);
});
