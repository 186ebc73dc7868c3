import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import type { DriftEvent } from '../../../processors/drift/types.js';
import {
  chunkEntries,
  EventBridgePublisher,
  PUT_EVENTS_LIMITS,
  putEventsEntrySize,
} from '../../../processors/events/EventBridgePublisher.js';
import { EventBridgeStandIn } from '../../helpers/eventBridgeStandIn.js';

let standIn: EventBridgeStandIn;
let client: EventBridgeClient;

beforeAll(async () => {
  standIn = await EventBridgeStandIn.start();
  client = new EventBridgeClient({
    endpoint: standIn.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await standIn.stop();
});
beforeEach(() => standIn.reset());

function event(i: number, padding = 0): DriftEvent {
  const id = `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;
  return {
    source: 'pfm.drift',
    detailType: 'FeatureDriftDetected',
    time: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    detail: {
      schemaVersion: '1.0',
      eventId: id,
      model: { name: 'pfm-failure-mlp', version: 'aaaaaaaaaaaa', sha256: 'a'.repeat(64) },
      reference: { sha256: 'b'.repeat(64) },
      scope: { kind: 'fleet', id: 'fleet' },
      window: {
        seq: i,
        start: '2026-01-01T00:00:00.000Z',
        end: '2026-01-01T00:01:00.000Z',
        records: 1000,
        terminatedEarly: false,
      },
      decision: {
        state: 'DRIFT',
        previousState: 'WARN',
        severity: 'high',
        rule: 'm-of-n',
        breachingWindows: 2,
        windowsConsidered: 3,
        driftWindows: 1,
      },
      topFeatures: [
        {
          feature: `torque_nm${'x'.repeat(padding)}`,
          meanShift: 1,
          varianceRatio: 1,
          psi: 0.5,
          cusum: 0.2,
          pValue: 0,
          breached: ['mean'],
        },
      ],
    },
  };
}

function publisher(maxAttempts = 4): EventBridgePublisher {
  return new EventBridgePublisher({
    client,
    eventBusName: 'pfm-events',
    maxAttempts,
    sleep: async () => undefined,
  });
}

const ids = () => standIn.events.map((e) => (e.detail as { eventId: string }).eventId).sort();

describe('EventBridgePublisher against the PutEvents stand-in', () => {
  it('sends 25 events in calls of at most 10 entries, signed, as AWS JSON 1.1', async () => {
    const events = Array.from({ length: 25 }, (_, i) => event(i));
    await publisher().publish(events);
    expect(standIn.calls.map((c) => c.entries)).toEqual([10, 10, 5]);
    expect(
      standIn.calls.every(
        (c) =>
          c.signed && c.contentType === 'application/x-amz-json-1.1' && c.target === 'AWSEvents.PutEvents',
      ),
    ).toBe(true);
    expect(ids()).toEqual(events.map((e) => e.detail.eventId).sort());
    const first = standIn.events[0];
    expect(first).toMatchObject({
      eventBusName: 'pfm-events',
      source: 'pfm.drift',
      detailType: 'FeatureDriftDetected',
    });
    expect(first?.time).toBe(Date.parse(events[0]?.time as string) / 1000);
  });

  it('retries only the entries that failed (partial failure), until they go through', async () => {
    standIn.failEntryTimes(
      (d) => ['3', '7'].some((n) => String(d.eventId).endsWith(`-00000000000${n}`)),
      'ThrottlingException',
      2,
    );
    const events = Array.from({ length: 10 }, (_, i) => event(i));
    await publisher().publish(events);
    expect(standIn.calls.map((c) => [c.entries, c.failedEntryCount])).toEqual([
      [10, 2],
      [2, 2],
      [2, 0],
    ]);
    // Each event accepted exactly once.
    expect(ids()).toEqual(events.map((e) => e.detail.eventId).sort());
  });

  it('splits by size: no call carries more than 256 KB of entries', async () => {
    const events = Array.from({ length: 6 }, (_, i) => event(i, 60_000));
    await publisher().publish(events);
    expect(standIn.calls.every((c) => c.status === 200 && c.bytes <= PUT_EVENTS_LIMITS.bytes)).toBe(true);
    expect(standIn.calls.map((c) => c.entries)).toEqual([4, 2]);
    expect(standIn.events).toHaveLength(6);
  });

  it('the stand-in enforces the limits a publisher must keep', async () => {
    const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const entry = { Source: 'pfm.drift', DetailType: 'X', Detail: '{}' };
    await expect(
      client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry) })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const big = { ...entry, Detail: JSON.stringify({ x: 'y'.repeat(270_000) }) };
    await expect(client.send(new PutEventsCommand({ Entries: [big] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    expect(standIn.events).toHaveLength(0);
  });

  it('gives up with a retryable error when entries keep failing, and stops at once on a permanent error', async () => {
    standIn.failEntryTimes(() => true, 'InternalFailure', 100);
    const failing = publisher(3).publish([event(1)]);
    await expect(failing).rejects.toBeInstanceOf(PfmError);
    await expect(failing).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE', retryable: true });
    expect(standIn.calls).toHaveLength(3);

    standIn.reset();
    standIn.failEntryTimes(() => true, 'NotAuthorizedForSourceException', 100);
    await expect(publisher(5).publish([event(1)])).rejects.toMatchObject({
      code: 'SINK_REJECTED',
      retryable: false,
    });
    expect(standIn.calls).toHaveLength(1);
  });

  it('retries a call that failed as a whole (throttled)', async () => {
    standIn.failNextCalls('ThrottlingException', 400, 2);
    await publisher().publish([event(1), event(2)]);
    expect(standIn.calls.map((c) => c.status)).toEqual([400, 400, 200]);
    expect(standIn.events).toHaveLength(2);
  });
});

describe('PutEvents batching (pure)', () => {
  it('sizes entries as EventBridge does and refuses a single entry over the limit', () => {
    expect(
      putEventsEntrySize({
        Source: 'ab',
        DetailType: 'c',
        Detail: '{"é":1}',
        Time: new Date(),
        Resources: ['r'],
      }),
    ).toBe(14 + 2 + 1 + 8 + 1); // é is 2 bytes
    expect(() =>
      chunkEntries([{ Source: 's', DetailType: 'd', Detail: 'x'.repeat(PUT_EVENTS_LIMITS.bytes) }]),
    ).toThrow(PfmError);
  });
});
