import { readFileSync } from 'node:fs';
import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createDriftCore } from '../../../processors/drift/core.js';
import { DriftMonitor } from '../../../processors/drift/DriftMonitor.js';
import { modelEngineerFor } from '../../../processors/drift/modelFeatures.js';
import { loadDriftReference } from '../../../processors/drift/reference.js';
import { parseDriftSpec } from '../../../stream/simulator/driftSpec.js';
import { createSimulator } from '../../../stream/simulator/Simulator.js';
import { fleetCalibration, MemoryPublisher, MemoryScoreSink, shardedReadings } from './fixtures.js';
import { validateJsonSchema } from './jsonSchema.js';

const schema = JSON.parse(
  readFileSync(new URL('../../../schemas/drift-event.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const reference = loadDriftReference();
const engineer = modelEngineerFor(reference);
const calibration = fleetCalibration(reference);

// The README's drift example, `npm start -- --drift torqueNm:offset:8@... --drift airTemperatureK:stuck:M-0003@...`,
// on `npm start`'s default fleet (50 machines, 20,000 readings). The times are placed inside the run from the
// run's own span (the torque offset from 40 % of it, the stuck sensor from its start), not from any fixed
// reading interval, so the test holds whatever pace the simulator gives its machines.
const MACHINES = 50;
const RECORDS = 20_000;
const START = Date.parse('2026-03-01T00:00:00Z');
const span = createSimulator({ machines: MACHINES, seed: 5, startTime: START, intervalMs: 1000 })
  .take(RECORDS)
  .map((s) => s.reading.timestamp);
const at = (fraction: number) =>
  new Date(
    (span[0] as number) + fraction * ((span[span.length - 1] as number) - (span[0] as number)),
  ).toISOString();
const specs = [`torqueNm:offset:8@${at(0.4)}`, `airTemperatureK:stuck:M-0003@${at(0)}`];

describe("the README's drift example", () => {
  it('raises a drift event naming torque and a stuck-sensor event for M-0003, and nothing for the others', async () => {
    const readings = createSimulator({
      machines: MACHINES,
      seed: 5,
      startTime: START,
      intervalMs: 1000,
      drift: specs.map((s) => parseDriftSpec(s, START)),
    })
      .take(RECORDS)
      .map((s) => s.reading);
    const publisher = new MemoryPublisher();
    const monitor = new DriftMonitor({
      core: createDriftCore({ reference, engineer, calibration }),
      publisher,
      scoreSink: new MemoryScoreSink(),
      windowRecords: 1000,
      clock: () => 0,
    });
    // As the local pipeline delivers them: two shards, batches of 500 interleaved shard by shard.
    const shards = [...shardedReadings(readings).values()].map((s) => s.records);
    for (let i = 0; shards.some((s) => i < s.length); i += 500) {
      for (const s of shards) {
        if (i >= s.length) continue;
        const event: KinesisStreamEvent = { Records: s.slice(i, i + 500) };
        expect(await monitor.handler(event)).toEqual({ batchItemFailures: [] });
      }
    }
    await monitor.flush();

    const events = publisher.published;
    for (const e of events) expect(validateJsonSchema(schema, e.detail)).toEqual([]);
    const drift = events.filter(
      (e) => e.detailType === 'FeatureDriftDetected' && e.detail.scope.kind === 'fleet',
    );
    expect(drift.length).toBeGreaterThan(0);
    expect(drift[0]?.detail.topFeatures.slice(0, 3).map((f) => f.feature)).toContain('torque_nm');
    // Not before the offset started.
    expect(Date.parse(drift[0]?.detail.window.end as string)).toBeGreaterThanOrEqual(Date.parse(at(0.4)));

    const stuck = events.filter((e) => e.detailType === 'SensorStuck');
    expect(stuck.map((e) => e.detail.scope)).toEqual([{ kind: 'device', id: 'M-0003' }]);
    expect(stuck[0]?.detail.sensors).toEqual([
      expect.objectContaining({
        sensor: 'airTemperatureK',
        value: readings.find((r) => r.deviceId === 'M-0003')?.airTemperatureK,
      }),
    ]);
    expect(stuck[0]?.detail.topFeatures[0]).toMatchObject({
      feature: 'air_temperature_k',
      breached: ['stuck'],
    });
    // The live display's view of it: still stuck at the end of the run.
    const snapshot = monitor.snapshot();
    expect(snapshot.stuckSensors).toEqual([
      expect.objectContaining({ deviceId: 'M-0003', sensor: 'airTemperatureK' }),
    ]);
    expect(snapshot.events.byType.SensorStuck).toBe(1);
  });
});
