import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandOutput,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PfmError } from '../../kernel/errors.js';
import { DRIFT_STATE_KEYS } from '../drift/constants.js';
import { checkSize, isConditionFailed, key, unavailable } from '../drift/DynamoDbDriftStateStore.js';
import type { DueMemory } from './dueState.js';
import type { DueStateStore, StoredDueMemory } from './types.js';

/** The due memory's item in the (drift) state table: a key of its own, beside the drift monitor's items. */
export const DUE_STATE_KEY = { pk: 'forecast', sk: 'due' } as const;

export interface DynamoDbDueStateStoreOptions {
  client: Pick<DynamoDBClient, 'send'>;
  table: string;
}

/**
 * DueStateStore on one DynamoDB item: the machines' due memory gzipped (about 80 bytes of JSON per machine before
 * compression), with a revision; a save is conditioned on the revision loaded, so two overlapping runs cannot
 * both save (the later one fails, retryable, and its events, which carry the same ids, are dropped by consumers).
 * Reads are strongly consistent. An item over 400 KB fails with STATE_TOO_LARGE before it is sent.
 */
export class DynamoDbDueStateStore implements DueStateStore {
  constructor(private readonly options: DynamoDbDueStateStoreOptions) {}

  async load(): Promise<StoredDueMemory> {
    const { table, client } = this.options;
    let Item: GetItemCommandOutput['Item'];
    try {
      ({ Item } = await client.send(
        new GetItemCommand({ TableName: table, Key: key(DUE_STATE_KEY), ConsistentRead: true }),
      ));
    } catch (error) {
      throw unavailable('GetItem', table, error);
    }
    if (Item === undefined) return { machines: {}, revision: 0 };
    const body = Item.body?.B;
    if (body === undefined) throw new PfmError('STORE_CORRUPT', `${table}: the due memory item has no body`);
    try {
      const parsed = JSON.parse(gunzipSync(body).toString('utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      return { machines: parsed as Record<string, DueMemory>, revision: Number(Item.rev?.N ?? '0') };
    } catch (error) {
      throw new PfmError('STORE_CORRUPT', `${table}: the due memory is not gzipped JSON of machines`, {
        cause: error,
      });
    }
  }

  async save(machines: Record<string, DueMemory>, expectedRevision: number): Promise<void> {
    const { table, client } = this.options;
    const item = {
      ...key(DUE_STATE_KEY),
      body: { B: gzipSync(JSON.stringify(machines)) },
      rev: { N: String(expectedRevision + 1) },
    };
    checkSize(item, 'forecast due memory');
    try {
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: item,
          ConditionExpression: expectedRevision === 0 ? 'attribute_not_exists(#pk)' : '#rev = :rev',
          ExpressionAttributeNames:
            expectedRevision === 0 ? { '#pk': DRIFT_STATE_KEYS.partitionKey } : { '#rev': 'rev' },
          ...(expectedRevision === 0
            ? {}
            : { ExpressionAttributeValues: { ':rev': { N: String(expectedRevision) } } }),
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) {
        throw new PfmError(
          'SINK_UNAVAILABLE',
          `${table}: the forecast due memory is no longer at revision ${expectedRevision} (another forecast run saved it)`,
          { retryable: true, cause: error },
        );
      }
      throw unavailable('PutItem', table, error);
    }
  }
}
