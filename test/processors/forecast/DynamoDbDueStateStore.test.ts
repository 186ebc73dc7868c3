import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbDriftStateStore } from '../../../processors/drift/DynamoDbDriftStateStore.js';
import { initialStoredState } from '../../../processors/drift/storedState.js';
import { DynamoDbDueStateStore } from '../../../processors/forecast/DynamoDbDueStateStore.js';
import type { DueMemory } from '../../../processors/forecast/dueState.js';
import { DynamoDbStandIn } from '../../helpers/dynamoDbStandIn.js';

let standIn: DynamoDbStandIn;
let client: DynamoDBClient;

beforeAll(async () => {
  standIn = await DynamoDbStandIn.start({ tables: ['state-a', 'state-b'] });
  client = new DynamoDBClient({
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

const memory = (due: boolean, tool: number): DueMemory => ({ due, toolWearMin: 180, tool, notified: due });

describe('DynamoDbDueStateStore', () => {
  it('keeps the due memory under its own key, revision by revision, and refuses a stale save', async () => {
    const store = new DynamoDbDueStateStore({ client, table: 'state-a' });
    expect(await store.load()).toEqual({ machines: {}, revision: 0 });
    await store.save({ 'M-1': memory(true, 0) }, 0);
    await store.save({ 'M-1': memory(true, 0), 'M-2': memory(false, 3) }, 1);
    expect(await store.load()).toEqual({
      machines: { 'M-1': memory(true, 0), 'M-2': memory(false, 3) },
      revision: 2,
    });
    // A run that loaded revision 1 (it overlapped the one that saved 2) cannot save over it; nor can a first save.
    await expect(store.save({}, 1)).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE', retryable: true });
    await expect(store.save({}, 0)).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE', retryable: true });
    expect((await store.load()).revision).toBe(2);
  });

  it("shares the drift state table without touching the drift monitor's items", async () => {
    const drift = new DynamoDbDriftStateStore({ client, table: 'state-b' });
    const due = new DynamoDbDueStateStore({ client, table: 'state-b' });
    const state = initialStoredState({ version: 1, lastSeq: 4, scopes: {}, devices: {} });
    await drift.withLock(async () => {
      await drift.readState();
      await drift.writeState(state);
    });
    await due.save({ 'M-7': memory(true, 1) }, 0);
    expect(await drift.withLock(() => drift.readState())).toEqual(state);
    expect((await due.load()).machines).toEqual({ 'M-7': memory(true, 1) });
  });
});
