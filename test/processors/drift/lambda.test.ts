import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TumblingWindowHandler } from '../../../processors/drift/handler.js';
import { STORE_FILE } from '../../../processors/store/constants.js';
import { openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import { runTumblingPlan, tumblingPlan } from '../../fixtures/kinesis/tumblingWindows.js';
import { EventBridgeStandIn } from '../../helpers/eventBridgeStandIn.js';

const dataDir = mkdtempSync(join(tmpdir(), 'pfm-drift-lambda-'));
let standIn: EventBridgeStandIn;
let handler: TumblingWindowHandler;
const saved = { ...process.env };

beforeAll(async () => {
  standIn = await EventBridgeStandIn.start();
  Object.assign(process.env, {
    PFM_EVENT_BUS: 'pfm-events',
    PFM_SINK: 'duckdb',
    PFM_DATA_DIR: dataDir,
    PFM_DRIFT_STATE_DIR: join(dataDir, 'state'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_EVENTBRIDGE: standIn.endpoint,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  ({ handler } = await import('../../../processors/drift/lambda.js'));
});
afterAll(async () => {
  process.env = saved;
  await standIn.stop();
});

describe('drift Lambda entry point (wired at module scope)', () => {
  it("folds every shard's tumbling windows into fleet windows, scores them with the shipped calibration, publishes to EventBridge", async () => {
    // +2 sd of torque from the start: the first fleet window is a drift. 50 machines, a reading each per second:
    // windows of 1,000 readings are two 10-second periods; 3,000 readings close the first two.
    const start = Date.parse('2026-01-01T00:00:00Z');
    const readings = createSimulator({
      machines: 50,
      seed: 4,
      startTime: start,
      intervalMs: 1000,
      drift: [{ feature: 'torqueNm', kind: 'offset', amount: 20, fromTime: 0 }],
    })
      .take(3000)
      .map((s) => s.reading);
    const steps = tumblingPlan(readings, {
      periodMs: 10_000,
      layouts: [{ from: 0, shards: 3 }],
      batchSize: 250,
      seed: 2,
    });
    const responses = await runTumblingPlan(steps, handler);
    expect(responses.every((r) => r.batchItemFailures?.length === 0)).toBe(true);
    const detected = standIn.events.filter((e) => e.detailType === 'FeatureDriftDetected');
    expect(detected.map((e) => (e.detail.scope as { id: string }).id)).toContain('fleet');
    expect(standIn.events.every((e) => e.eventBusName === 'pfm-events' && e.source === 'pfm.drift')).toBe(
      true,
    );
    const store = await openDuckDbStore(join(dataDir, STORE_FILE), { readOnly: true });
    try {
      const rows = await store.driftScores.latest({ scope: 'fleet', feature: 'torque_nm' });
      expect(rows).toHaveLength(2);
      expect(rows.map((r) => r.n)).toEqual([1000, 1000]);
      expect(rows[0]?.state).toBe('DRIFT');
    } finally {
      await store.close();
    }
  });
});
