import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PfmError } from '../../../kernel/errors.js';
import {
  DYNAMODB_ITEM_MAX_BYTES,
  DynamoDbDriftStateStore,
  type DynamoDbDriftStateStoreOptions,
} from '../../../processors/drift/DynamoDbDriftStateStore.js';
import { initialStoredState } from '../../../processors/drift/storedState.js';
import type { StoredDriftState } from '../../../processors/drift/types.js';
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

function state(lastSeq: number): StoredDriftState {
  return initialStoredState({ version: 1, lastSeq, scopes: {}, devices: {} });
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
  it('keeps the whole state in one gzipped item, through the unmodified SDK', async () => {
    const table = freshTable();
    const s = store(table, { now: () => 1_767_225_600_000 });
    const written: StoredDriftState = {
      ...state(7),
      fleet: {
        ...state(7).fleet,
        shards: {
          'shardId-000000000001': { sequence: '4960000000000000000000000001', period: 1_767_225_600_000 },
        },
        partials: 1,
      },
    };
    await s.withLock(async () => {
      expect(await s.readState()).toBeUndefined();
      await s.writeState(written);
    });
    // Another execution environment (a new store) reads it back as written.
    const other = store(table);
    await other.withLock(async () => {
      expect(await other.readState()).toEqual(written);
    });
    const items = standIn.items(table);
    expect(items.map((i) => [i.pk?.S, i.sk?.S])).toEqual([['state', 'fleet']]);
    const body = items[0]?.body?.B as string;
    expect(JSON.parse(gunzipSync(Buffer.from(body, 'base64')).toString('utf8'))).toMatchObject({
      version: 2,
    });
    // The lock is gone once released.
    expect(standIn.items(table).some((i) => i.pk?.S === 'lock')).toBe(false);
    const calls = standIn.calls.filter((c) => c.status === 200);
    expect(calls.every((c) => c.signed && c.contentType === 'application/x-amz-json-1.0')).toBe(true);
    expect(new Set(standIn.calls.map((c) => c.action))).toEqual(
      new Set(['PutItem', 'GetItem', 'DeleteItem']),
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
        const current = (await s.readState()) ?? state(0);
        await new Promise((resolve) => setImmediate(resolve));
        await s.writeState(state((current.monitor.lastSeq ?? 0) + 1));
        inside--;
      });
    await Promise.all(Array.from({ length: 6 }, (_, i) => increment(i % 2 === 0 ? a : b)));
    expect(overlapped).toBe(false);
    expect(await a.readState()).toEqual(state(6));
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
      await crashed.readState();
      inLock.open();
      await resume.opened;
      await crashed.writeState(state(1));
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
      expect(await successor.readState()).toBeUndefined();
      await successor.writeState(state(2));
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
    expect(await successor.readState()).toEqual(state(2));
    expect(standIn.items(table).find((i) => i.pk?.S === 'lock')).toBeUndefined();
  });

  it('refuses an item over 400 KB (after gzip) before sending it, which DynamoDB would refuse too', async () => {
    const table = freshTable();
    const s = store(table);
    // Random text does not compress much: 600 KB of base64 stays over 400 KB gzipped.
    const padded = (bytes: number): StoredDriftState => ({
      ...state(1),
      monitor: {
        ...state(1).monitor,
        scopes: { fleet: { padding: randomBytes(bytes).toString('base64') } as never },
      },
    });
    const before = standIn.calls.length;
    await s.withLock(async () => {
      await expect(s.writeState(padded(450 * 1024))).rejects.toMatchObject({
        code: 'STATE_TOO_LARGE',
        retryable: false,
        message: expect.stringMatching(/over DynamoDB's 409600-byte item limit/),
      });
      // Well under the limit is stored.
      await s.writeState(padded(200 * 1024));
    });
    const sent = standIn.calls.slice(before).filter((c) => c.action === 'PutItem');
    expect(sent.map((c) => c.status)).toEqual([200, 200]); // the lock and the state under the limit
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
