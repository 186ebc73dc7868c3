import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TumblingWindowEvent, TumblingWindowHandler } from '../../../processors/drift/handler.js';
import { STORE_FILE } from '../../../processors/store/constants.js';
import { openDuckDbStore } from '../../../processors/store/openDuckDbStore.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import { EventBridgeStandIn } from '../../helpers/eventBridgeStandIn.js';
import { shardedReadings } from './fixtures.js';

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
    PFM_DRIFT_SHARDS: '1',
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
  it('folds a tumbling window, evaluates it on the final invocation, stores scores and publishes to EventBridge', async () => {
    // iid thresholds (no calibration configured) and a +2 sd torque shift: the fleet drifts.
    const readings = createSimulator({
      machines: 50,
      seed: 4,
      startTime: 0,
      intervalMs: 1000,
      drift: [{ feature: 'torqueNm', kind: 'offset', amount: 20, fromTime: 0 }],
    })
      .take(1000)
      .map((s) => s.reading);
    const [shardId, { records }] = [...shardedReadings(readings, 1).entries()][0] as [
      string,
      { records: TumblingWindowEvent['Records'] },
    ];
    const base = {
      window: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:05:00Z' },
      shardId,
      isWindowTerminatedEarly: false,
    };
    const first = await handler({ ...base, Records: records, state: {}, isFinalInvokeForWindow: false });
    expect(first.batchItemFailures).toEqual([]);
    const final = await handler({ ...base, Records: [], state: first.state, isFinalInvokeForWindow: true });
    expect(final.state).toEqual({});
    const detected = standIn.events.filter((e) => e.detailType === 'FeatureDriftDetected');
    expect(detected.map((e) => (e.detail.scope as { id: string }).id)).toContain('fleet');
    expect(standIn.events.every((e) => e.eventBusName === 'pfm-events' && e.source === 'pfm.drift')).toBe(
      true,
    );
    const store = await openDuckDbStore(join(dataDir, STORE_FILE), { readOnly: true });
    try {
      const rows = await store.driftScores.latest({ scope: 'fleet', feature: 'torque_nm' });
      expect(rows).toHaveLength(1);
      expect(rows[0]?.state).toBe('DRIFT');
    } finally {
      await store.close();
    }
  });
});
