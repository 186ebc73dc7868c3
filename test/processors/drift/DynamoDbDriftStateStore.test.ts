import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import { DRIFT_STATE_KEYS } from '../../../processors/drift/constants.js';
import {
  DYNAMODB_ITEM_MAX_BYTES,
  DynamoDbDriftStateStore,
  type DynamoDbDriftStateStoreOptions,
} from '../../../processors/drift/DynamoDbDriftStateStore.js';
import type { MonitorState } from '../../../processors/drift/types.js';
import { DynamoDbStandIn } from '../../helpers/dynamoDbStandIn.js';

let standIn: DynamoDbStandIn;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  standIn = await DynamoDbStandIn.start({
    tables: Array.from({ length: 10 }, (_, i) => `drift-state-${i}`),
    pageSize: 2,
  });
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

/** A fresh table per test, so tests do not see each other's locks and state. */
function freshTable(): string {
  return `drift-state-${tables++}`;
}

function store(
  table: string,
  options: Partial<DynamoDbDriftStateStoreOptions> = {},
): DynamoDbDriftStateStore {
  return new DynamoDbDriftStateStore({
    client,
    table,
    lockWaitMs: 5_000,
    sleep: () => new Promise((resolve) => setTimeout(resolve, 1)),
    ...options,
  });
}

function state(lastSeq: number): MonitorState {
  return { version: 1, lastSeq, scopes: {} };
}

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('DynamoDbDriftStateStore', () => {
  it('keeps the monitor state and the partials per window and shard, through the unmodified SDK', async () => {
    const table = freshTable();
    const s = store(table, { now: () => 1_767_225_600_000 });
    await s.withLock(async () => {
      expect(await s.readMonitorState()).toBeUndefined();
      await s.writeMonitorState(state(7));
      await s.putPartial('1000', 'shardId-2', '{"b":2}');
      await s.putPartial('1000', 'shardId-1', '{"a":1}');
      await s.putPartial('1000', 'shardId-3', '{"c":3}');
      await s.putPartial('2000', 'shardId-1', '{"other":1}');
      // A retried final invocation replaces its shard's partial.
      await s.putPartial('1000', 'shardId-2', '{"b":22}');
    });
    // Another execution environment (a new store) sees it all; three partials span two Query pages.
    const other = store(table);
    await other.withLock(async () => {
      expect(await other.readMonitorState()).toEqual(state(7));
      expect(await other.partials('1000')).toEqual(['{"a":1}', '{"b":22}', '{"c":3}']);
      await other.deletePartials('1000');
      expect(await other.partials('1000')).toEqual([]);
      expect(await other.partials('2000')).toEqual(['{"other":1}']);
    });
    const partial = standIn.items(table).find((i) => i.pk?.S === 'partial#2000');
    expect(Number(partial?.[DRIFT_STATE_KEYS.ttl]?.N)).toBe(1_767_225_600 + 2 * 24 * 3600);
    // The lock is gone once released.
    expect(standIn.items(table).some((i) => i.pk?.S === 'lock')).toBe(false);
    const calls = standIn.calls.filter((c) => c.status === 200);
    expect(calls.every((c) => c.signed && c.contentType === 'application/x-amz-json-1.0')).toBe(true);
    expect(new Set(standIn.calls.map((c) => c.action))).toEqual(
      new Set(['PutItem', 'GetItem', 'DeleteItem', 'Query']),
    );
  });

  it('lets only one of two concurrent lockers proceed; the other waits, and no update is lost', async () => {
    const table = freshTable();
    const [a, b] = [store(table), store(table)];
    let inside = 0;
    let overlapped = false;
    const increment = (s: DynamoDbDriftStateStore) =>
      s.withLock(async () => {
        inside++;
        if (inside > 1) overlapped = true;
        const current = (await s.readMonitorState()) ?? state(0);
        await new Promise((resolve) => setImmediate(resolve));
        await s.writeMonitorState(state((current.lastSeq ?? 0) + 1));
        inside--;
      });
    await Promise.all(Array.from({ length: 6 }, (_, i) => increment(i % 2 === 0 ? a : b)));
    expect(overlapped).toBe(false);
    expect(await a.readMonitorState()).toEqual(state(6));
    expect(standIn.calls.some((c) => c.errorType === 'ConditionalCheckFailedException')).toBe(true);
  });

  it('fails with a retryable error when the lock stays held past the wait', async () => {
    const table = freshTable();
    const holder = store(table);
    const held = gate();
    const release = gate();
    const holding = holder.withLock(async () => {
      held.open();
      await release.opened;
    });
    await held.opened;
    let ran = false;
    const error = await store(table, { lockWaitMs: 0 })
      .withLock(async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(PfmError);
    expect(error).toMatchObject({ code: 'SINK_UNAVAILABLE', retryable: true });
    release.open();
    await holding;
  });

  it("takes over a crashed holder's lock once its lease has run out, and fences the old holder's writes", async () => {
    const table = freshTable();
    let clock = 1_000_000;
    const now = () => clock;
    const crashed = store(table, { now, leaseMs: 60_000 });
    const inLock = gate();
    const resume = gate();
    const stale = crashed.withLock(async () => {
      await crashed.readMonitorState();
      inLock.open();
      await resume.opened;
      await crashed.writeMonitorState(state(1));
    });
    await inLock.opened;

    clock += 59_999; // within the lease: still held
    await expect(store(table, { now, lockWaitMs: 0 }).withLock(async () => {})).rejects.toMatchObject({
      code: 'SINK_UNAVAILABLE',
    });
    clock += 2; // the lease has run out
    const successor = store(table, { now, leaseMs: 60_000 });
    const successorDone = gate();
    const successorRun = successor.withLock(async () => {
      expect(await successor.readMonitorState()).toBeUndefined();
      await successor.writeMonitorState(state(2));
      await successorDone.opened;
    });
    // The old holder wakes up after the takeover: its write is refused, the successor's state stays.
    await expect.poll(() => standIn.items(table).find((i) => i.pk?.S === 'state')?.rev?.N).toBe('1');
    resume.open();
    await expect(stale).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE', retryable: true });
    // ... and its release does not free the successor's lock.
    expect(standIn.items(table).find((i) => i.pk?.S === 'lock')).toBeDefined();
    successorDone.open();
    await successorRun;
    expect(await successor.readMonitorState()).toEqual(state(2));
    expect(standIn.items(table).find((i) => i.pk?.S === 'lock')).toBeUndefined();
  });

  it('refuses an item over 400 KB before sending it, which DynamoDB would refuse too', async () => {
    const table = freshTable();
    const s = store(table);
    const big: MonitorState = {
      ...state(1),
      scopes: { fleet: { padding: 'x'.repeat(DYNAMODB_ITEM_MAX_BYTES) } as never },
    };
    const before = standIn.calls.length;
    await s.withLock(async () => {
      await expect(s.writeMonitorState(big)).rejects.toMatchObject({
        code: 'STATE_TOO_LARGE',
        retryable: false,
        message: expect.stringMatching(/over DynamoDB's 409600-byte item limit/),
      });
      await expect(s.putPartial('1', 'shard', 'y'.repeat(DYNAMODB_ITEM_MAX_BYTES))).rejects.toMatchObject({
        code: 'STATE_TOO_LARGE',
      });
      // Just under the limit is stored.
      await s.putPartial('1', 'shard', 'y'.repeat(DYNAMODB_ITEM_MAX_BYTES - 200));
    });
    const sent = standIn.calls.slice(before).filter((c) => c.action === 'PutItem');
    expect(sent.map((c) => c.status)).toEqual([200, 200]); // the lock and the partial under the limit
    // The stand-in enforces the limit as DynamoDB does.
    const raw = client.send(
      new (await import('@aws-sdk/client-dynamodb')).PutItemCommand({
        TableName: table,
        Item: { pk: { S: 'x' }, sk: { S: 'y' }, body: { S: 'z'.repeat(DYNAMODB_ITEM_MAX_BYTES) } },
      }),
    );
    await expect(raw).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('names an unknown table in a non-retryable error', async () => {
    const error = await store('no-such-table')
      .withLock(async () => {})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SINK_REJECTED', retryable: false });
    expect((error as Error).message).toMatch(/no-such-table.*ResourceNotFoundException/);
  });
});
