import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type RetryHooks, sleep } from '../../kernel/backoff.js';
import { PfmError } from '../../kernel/errors.js';
import { DRIFT_STATE_KEYS } from './constants.js';
import { decodeStoredState, encodeStoredState } from './storedState.js';
import type { DriftStateStore, StoredDriftState } from './types.js';

/** DynamoDB's item size limit (400 KB, attribute names included). */
export const DYNAMODB_ITEM_MAX_BYTES = 400 * 1024;

const LOCK_KEY = { pk: 'lock', sk: 'monitor' } as const;
/** The one state item (a new key: the layout of the per-window partial items before it is not read). */
const STATE_KEY = { pk: 'state', sk: 'fleet' } as const;
/** A lock item left behind by a crashed holder is removed by TTL this long after its lease ended. */
const LOCK_TTL_GRACE_SECONDS = 3600;

export interface DynamoDbDriftStateStoreOptions extends RetryHooks {
  client: Pick<DynamoDBClient, 'send'>;
  table: string;
  /**
   * How long a lock is held before another invocation may take it over. Longer than the work under the lock can
   * last (the function's timeout): a holder that crashed frees the lock when its lease ends.
   */
  leaseMs?: number;
  /** How long to wait for the lock before failing with a retryable error (Lambda then retries the batch). */
  lockWaitMs?: number;
  /** Clock of the lease (epoch ms); all invocations compare against their own clock, so keep leases generous. */
  now?: () => number;
}

/**
 * DriftStateStore on one DynamoDB table, shared by every shard's invocation and surviving cold starts:
 * - the lock is an item put with `attribute_not_exists(pk) OR leaseUntil < :now` (a lease), released by a
 *   delete conditioned on its owner token, so a holder whose lease was taken over cannot release the new lock;
 * - the state (decision memory, fleet window with every shard's mark, pending output) is one gzipped item with a
 *   revision number: a write is conditioned on the revision read under the lock, so an invocation that outlived
 *   its lease fails (retryable) instead of overwriting its successor's state, and the state changes all at once.
 * Reads are strongly consistent. Items over 400 KB fail with PfmError('STATE_TOO_LARGE') before being sent.
 */
export class DynamoDbDriftStateStore implements DriftStateStore {
  private readonly leaseMs: number;
  private readonly lockWaitMs: number;
  private readonly now: () => number;
  private readonly wait: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** Revision of the monitor state read by the current lock holder (0: none stored). */
  private revision = 0;

  constructor(private readonly options: DynamoDbDriftStateStoreOptions) {
    this.leaseMs = options.leaseMs ?? 900_000;
    this.lockWaitMs = options.lockWaitMs ?? 30_000;
    if (!(this.leaseMs > 0) || !(this.lockWaitMs >= 0)) {
      throw new RangeError('leaseMs must be positive and lockWaitMs not negative');
    }
    this.now = options.now ?? Date.now;
    this.wait = options.sleep ?? ((ms) => sleep(ms));
    this.random = options.random ?? Math.random;
  }

  async withLock<T>(work: () => Promise<T>): Promise<T> {
    const owner = randomUUID();
    await this.acquire(owner);
    try {
      this.revision = 0;
      return await work();
    } finally {
      await this.release(owner);
    }
  }

  async readState(): Promise<StoredDriftState | undefined> {
    const { Item } = await this.call('GetItem', () =>
      this.options.client.send(
        new GetItemCommand({ TableName: this.options.table, Key: key(STATE_KEY), ConsistentRead: true }),
      ),
    );
    if (Item === undefined) {
      this.revision = 0;
      return undefined;
    }
    this.revision = Number(Item.rev?.N ?? '0');
    const body = Item.body?.B;
    if (body === undefined)
      throw new PfmError('STORE_CORRUPT', `${this.options.table}: state item has no body (an older layout?)`);
    let text: string;
    try {
      text = gunzipSync(body).toString('utf8');
    } catch (error) {
      throw new PfmError('STORE_CORRUPT', `${this.options.table}: state body is not gzip`, { cause: error });
    }
    return decodeStoredState(text, this.options.table);
  }

  async writeState(state: StoredDriftState): Promise<void> {
    const next = this.revision + 1;
    // Gzip: the state is JSON of numbers and device ids, about a tenth of its size compressed, which keeps
    // a fleet of thousands of devices under DynamoDB's 400 KB item limit.
    const item = {
      ...key(STATE_KEY),
      body: { B: gzipSync(encodeStoredState(state)) },
      rev: { N: String(next) },
    };
    checkSize(item, 'drift state');
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk) OR #rev = :rev',
          ExpressionAttributeNames: { '#pk': DRIFT_STATE_KEYS.partitionKey, '#rev': 'rev' },
          ExpressionAttributeValues: { ':rev': { N: String(this.revision) } },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) {
        throw new PfmError(
          'SINK_UNAVAILABLE',
          `${this.options.table}: the drift state changed since it was read (the lock lease ran out?)`,
          { retryable: true, cause: error },
        );
      }
      throw unavailable('PutItem', this.options.table, error);
    }
    this.revision = next;
  }

  private async acquire(owner: string): Promise<void> {
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      const now = this.now();
      const leaseUntil = now + this.leaseMs;
      try {
        await this.options.client.send(
          new PutItemCommand({
            TableName: this.options.table,
            Item: {
              ...key(LOCK_KEY),
              owner: { S: owner },
              leaseUntil: { N: String(leaseUntil) },
              [DRIFT_STATE_KEYS.ttl]: {
                N: String(Math.ceil(leaseUntil / 1000) + LOCK_TTL_GRACE_SECONDS),
              },
            },
            // A crashed holder never releases: its lock is free once its lease has run out.
            ConditionExpression: 'attribute_not_exists(#pk) OR #lease < :now',
            ExpressionAttributeNames: { '#pk': DRIFT_STATE_KEYS.partitionKey, '#lease': 'leaseUntil' },
            ExpressionAttributeValues: { ':now': { N: String(now) } },
          }),
        );
        return;
      } catch (error) {
        if (!isConditionFailed(error)) throw unavailable('PutItem (lock)', this.options.table, error);
      }
      if (performance.now() - started >= this.lockWaitMs) {
        throw new PfmError(
          'SINK_UNAVAILABLE',
          `drift state lock in ${this.options.table} is held (waited ${attempt} attempts)`,
          { retryable: true },
        );
      }
      await this.wait(20 + Math.floor(this.random() * Math.min(500, 20 * 2 ** Math.min(attempt, 5))));
    }
  }

  private async release(owner: string): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteItemCommand({
          TableName: this.options.table,
          Key: key(LOCK_KEY),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner } },
        }),
      );
    } catch (error) {
      // Taken over after the lease ran out: the lock is someone else's now and stays.
      if (isConditionFailed(error)) return;
      throw unavailable('DeleteItem (lock)', this.options.table, error);
    }
  }

  private async call<T>(action: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw unavailable(action, this.options.table, error);
    }
  }
}

/** The table's key attributes for one item (the drift state table: pk, sk). */
export function key(k: { pk: string; sk: string }): Record<string, AttributeValue> {
  return { [DRIFT_STATE_KEYS.partitionKey]: { S: k.pk }, [DRIFT_STATE_KEYS.sortKey]: { S: k.sk } };
}

/**
 * An item's size as DynamoDB meters it: the UTF-8 bytes of each attribute name plus its value (strings in UTF-8,
 * binaries their length, numbers at most 21 bytes). Only the S, B and N attributes this store writes are counted.
 */
export function itemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name, 'utf8');
    if (value.S !== undefined) bytes += Buffer.byteLength(value.S, 'utf8');
    else if (value.B !== undefined) bytes += value.B.byteLength;
    else if (value.N !== undefined)
      bytes += Math.min(21, Math.ceil(value.N.replace(/^-/, '').length / 2) + 1);
  }
  return bytes;
}

/** Refuses (STATE_TOO_LARGE) an item over DynamoDB's 400 KB before it is sent; `what` names it in the message. */
export function checkSize(item: Record<string, AttributeValue>, what: string): void {
  const bytes = itemBytes(item);
  if (bytes > DYNAMODB_ITEM_MAX_BYTES) {
    throw new PfmError(
      'STATE_TOO_LARGE',
      `${what} is ${bytes} bytes, over DynamoDB's ${DYNAMODB_ITEM_MAX_BYTES}-byte item limit`,
    );
  }
}

export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}

/** Throttling, server faults and lost connections are worth a batch retry; a refusal (validation, access) is not. */
export function unavailable(action: string, table: string, error: unknown): PfmError {
  if (error instanceof PfmError) return error;
  const e = error as { name?: string; message?: string; $fault?: string } | null;
  const retryable =
    e?.$fault !== 'client' ||
    e?.name === 'ProvisionedThroughputExceededException' ||
    e?.name === 'ThrottlingException' ||
    e?.name === 'RequestLimitExceeded';
  return new PfmError(
    retryable ? 'SINK_UNAVAILABLE' : 'SINK_REJECTED',
    `DynamoDB ${action} on ${table} failed: ${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`,
    { retryable, cause: error },
  );
}
