import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DRIFT_STATE_KEYS } from '../../processors/drift/constants.js';
import type { PfmFunction } from './PfmFunction.js';

export interface DriftStateTableProps {
  tableName: string;
  key: kms.IKey;
}

/** The DynamoDB calls DynamoDbDriftStateStore makes, and nothing more. */
export const DRIFT_STATE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
] as const;

/**
 * The drift monitor's shared state (processors/drift/DynamoDbDriftStateStore.ts): lock, decision memory and the
 * shards' partial windows. On-demand (a few calls per window), point-in-time recovery, the pipeline's key, and a
 * TTL on `expiresAt` so partials of windows that never completed disappear.
 */
export class DriftStateTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: DriftStateTableProps,
  ) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: DRIFT_STATE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: DRIFT_STATE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      timeToLiveAttribute: DRIFT_STATE_KEYS.ttl,
      // Decision memory rebuilds itself from the stream; nothing here outlives the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** Lets the function use the table as the state store: those four actions on this table, the key through DynamoDB. */
  grantStateAccess(fn: PfmFunction): void {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...DRIFT_STATE_ACTIONS], resources: [this.table.tableArn] }),
    );
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: [this.props.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }
}
